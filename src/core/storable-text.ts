// PostgreSQL stores text as UTF-8 without NUL: a "\u0000" in a string makes any text or jsonb
// parameter fail ("invalid byte sequence for encoding UTF8: 0x00", "unsupported Unicode escape
// sequence"), and a lone UTF-16 surrogate (JSON "\ud800") is either silently replaced by U+FFFD
// in text or refused by jsonb. Neither is a character anyone means to send: both are refused at
// the edge, for every string of every request (values and object keys alike), as a 400 naming
// the field, before anything reaches the database.

export interface UnstorableText {
  /** Dotted path of the offending value (an object key's own path when the key is the culprit). */
  field: string;
  message: string;
}

const NUL_MESSAGE = "must not contain the NUL character (\\u0000)";
const SURROGATE_MESSAGE = "must be well-formed Unicode (a lone surrogate such as \\ud800 is not)";

function textProblem(s: string): string | undefined {
  if (s.includes("\u0000")) return NUL_MESSAGE;
  if (!s.isWellFormed()) return SURROGATE_MESSAGE;
  return undefined;
}

const join = (path: string, key: string | number) => (path === "" ? String(key) : `${path}.${key}`);

/** The first string (or object key) in a parsed value that PostgreSQL cannot store, if any. */
export function findUnstorableText(value: unknown, path = ""): UnstorableText | undefined {
  if (typeof value === "string") {
    const message = textProblem(value);
    return message ? { field: path || "(root)", message } : undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findUnstorableText(value[i], join(path, i));
      if (found) return found;
    }
    return undefined;
  }
  for (const [key, inner] of Object.entries(value)) {
    const keyProblem = textProblem(key);
    if (keyProblem) return { field: join(path, key.replace(/[\u0000\ud800-\udfff]/g, "?")), message: `key ${keyProblem}` };
    const found = findUnstorableText(inner, join(path, key));
    if (found) return found;
  }
  return undefined;
}
