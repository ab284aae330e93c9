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

/** A value's dotted path, written only once a problem is found: most bodies have none. */
const fieldOf = (keys: (string | number)[]) => (keys.length === 0 ? "(root)" : keys.join("."));

/** The first string (or object key) in a parsed value that PostgreSQL cannot store, if any. */
export function findUnstorableText(value: unknown, path = ""): UnstorableText | undefined {
  return find(value, path === "" ? [] : [path]);
}

/** `keys` is the path walked so far: pushed and popped on the way, joined only for a finding. */
function find(value: unknown, keys: (string | number)[]): UnstorableText | undefined {
  if (typeof value === "string") {
    const message = textProblem(value);
    return message ? { field: fieldOf(keys), message } : undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      keys.push(i);
      const found = find(value[i], keys);
      keys.pop();
      if (found) return found;
    }
    return undefined;
  }
  const object = value as Record<string, unknown>;
  for (const key of Object.keys(object)) {
    const keyProblem = textProblem(key);
    if (keyProblem) return { field: fieldOf([...keys, key.replace(/[\u0000\ud800-\udfff]/g, "?")]), message: `key ${keyProblem}` };
    keys.push(key);
    const found = find(object[key], keys);
    keys.pop();
    if (found) return found;
  }
  return undefined;
}
