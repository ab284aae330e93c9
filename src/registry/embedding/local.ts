import { EMBEDDING_DIMENSIONS, type Embedder } from "./embedder";

// The built-in embedder: no network, no model file, deterministic. A text becomes hashed features
// (the "hashing trick") in EMBEDDING_DIMENSIONS buckets with a random sign each, so unrelated
// features cancel out on average instead of adding up:
//   - stemmed words ("translation", "translate" and "translator" are one feature),
//   - adjacent word pairs ("speech recognition" means more than its two words),
//   - character 3- and 4-grams of each word, so "transcribe" meets "transcription" and typos
//     or compounds ("geocoding", "geo coding") still overlap,
//   - a few domain acronyms expanded to their words ("tts" also counts as "text speech").
// Term frequency is damped (1 + ln tf), each family is normalised on its own so that the many
// character grams do not drown the words, and the sum is L2-normalised (cosine = dot product).

const FAMILY_WEIGHTS = { word: 1.0, pair: 0.45, gram: 0.6 } as const;

const STOPWORDS = new Set(
  (
    "a an the and or of to in on for with by from at as is are be been was were it its this that these those there " +
    "i me my we our you your they them their he she his her can could would should will shall may might must do does " +
    "did done need needs want wants wanted looking look find finds give gives get gets got please some any which what " +
    "who whom how when where why something anything thing things service services api apis tool tools endpoint " +
    "endpoints let lets use uses using used help helps like also just very more most than then so such into via per " +
    "about over up out all other one ones"
  ).split(" "),
);

/** Acronyms a caller types and a vendor may spell out, or the other way round. */
const EXPANSIONS: Record<string, string> = {
  llm: "large language model",
  llms: "large language model",
  tts: "text to speech voice synthesis",
  stt: "speech to text transcription",
  asr: "speech recognition transcription",
  ocr: "optical character recognition text extraction",
  nlp: "natural language processing",
  rag: "retrieval augmented generation",
  fx: "foreign exchange currency",
  kyc: "identity verification",
  gpu: "graphics processor compute",
  geocode: "geocoding address coordinates",
  serp: "search engine results",
  pdf: "document",
};

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** FNV-1a, finalised: stable forever (stored vectors depend on it), unlike a runtime's own hash. */
function hash(s: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix32(h);
}

/** Lower-case words of letters and digits; camelCase and snake_case split. */
export function words(text: string): string[] {
  return text
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 0);
}

/** A deliberately small suffix stripper: both sides of a comparison go through it, so it only has to be consistent. */
export function stem(word: string): string {
  if (word.length <= 3 || /^\d+$/.test(word)) return word;
  let s = word;
  if (s.endsWith("ies") && s.length > 4) s = s.slice(0, -3) + "y";
  else if (s.endsWith("sses")) s = s.slice(0, -2);
  else if (s.endsWith("s") && !/(ss|us|is)$/.test(s)) s = s.slice(0, -1);
  if (s.length > 5 && s.endsWith("ing")) s = undouble(s.slice(0, -3));
  else if (s.length > 4 && s.endsWith("ed")) s = undouble(s.slice(0, -2));
  else if (s.length > 6 && s.endsWith("ation")) s = s.slice(0, -5) + "at";
  else if (s.length > 5 && s.endsWith("ion")) s = s.slice(0, -3);
  else if (s.length > 5 && (s.endsWith("er") || s.endsWith("or"))) s = s.slice(0, -2);
  if (s.length > 4 && s.endsWith("e")) s = s.slice(0, -1);
  return s;
}

function undouble(s: string): string {
  const last = s[s.length - 1];
  return s.length > 3 && last === s[s.length - 2] && !"lsz".includes(last!) ? s.slice(0, -1) : s;
}

type Counts = Map<string, number>;
const add = (m: Counts, key: string) => m.set(key, (m.get(key) ?? 0) + 1);

/** The three feature families of a text, with raw counts. */
export function features(text: string): { word: Counts; pair: Counts; gram: Counts } {
  const word: Counts = new Map();
  const pair: Counts = new Map();
  const gram: Counts = new Map();
  const tokens: string[] = [];
  for (const w of words(text)) {
    const expansion = EXPANSIONS[w];
    for (const t of expansion ? [w, ...words(expansion)] : [w]) if (!STOPWORDS.has(t)) tokens.push(t);
  }
  let previous: string | undefined;
  for (const t of tokens) {
    const s = stem(t);
    add(word, s);
    if (previous !== undefined) add(pair, `${previous} ${s}`);
    previous = s;
    if (/^\d+$/.test(t)) continue;
    const padded = `<${t}>`;
    for (const n of [3, 4]) for (let i = 0; i + n <= padded.length; i++) add(gram, padded.slice(i, i + n));
  }
  return { word, pair, gram };
}

/** The local embedding of one text: unit length, or all zeros for a text with no content words. */
export function embedLocally(text: string): Float32Array {
  const out = new Float32Array(EMBEDDING_DIMENSIONS);
  const families = features(text);
  for (const [family, counts] of Object.entries(families) as [keyof typeof FAMILY_WEIGHTS, Counts][]) {
    let norm = 0;
    for (const tf of counts.values()) norm += (1 + Math.log(tf)) ** 2;
    if (norm === 0) continue;
    const scale = FAMILY_WEIGHTS[family] / Math.sqrt(norm);
    const seed = family === "word" ? 1 : family === "pair" ? 2 : 3;
    for (const [feature, tf] of counts) {
      const h = hash(feature, seed);
      const sign = hash(feature, seed + 101) & 1 ? 1 : -1;
      out[h % EMBEDDING_DIMENSIONS]! += sign * scale * (1 + Math.log(tf));
    }
  }
  let norm = 0;
  for (const x of out) norm += x * x;
  if (norm > 0) {
    const inv = 1 / Math.sqrt(norm);
    for (let i = 0; i < out.length; i++) out[i]! *= inv;
  }
  return out;
}

export function localEmbedder(): Embedder {
  return {
    // Bump the version whenever the features change: stored vectors are then re-embedded.
    id: "local:hashed-ngrams-v1",
    embed: async (texts) => texts.map(embedLocally),
  };
}
