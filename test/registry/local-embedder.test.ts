import { expect, test } from "bun:test";
import { EMBEDDING_DIMENSIONS, padVector } from "@/registry/embedding/embedder";
import { embedLocally, stem } from "@/registry/embedding/local";

// The built-in embedder: deterministic unit vectors that see more than exact words.

const cosine = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);
const sim = (a: string, b: string) => cosine(embedLocally(a), embedLocally(b));

test("vectors are 1536 long, unit length and deterministic", () => {
  const v = embedLocally("Speech to text for podcasts");
  expect(v.length).toBe(EMBEDDING_DIMENSIONS);
  expect(cosine(v, v)).toBeCloseTo(1, 5);
  expect(Array.from(embedLocally("Speech to text for podcasts"))).toEqual(Array.from(v));
});

test("a text of stop words only has no direction", () => {
  expect(embedLocally("find me the one that I need").every((x) => x === 0)).toBe(true);
});

test("word forms meet: translation, translate, translator", () => {
  expect(stem("translation")).toBe(stem("translate"));
  expect(stem("translator")).toBe(stem("translate"));
  expect(stem("images")).toBe(stem("image"));
  expect(sim("translation service", "translate my text")).toBeGreaterThan(sim("translation service", "weather forecast"));
});

test("character n-grams relate words that share no stem: transcribe / transcription, geocode / geocoding", () => {
  expect(sim("transcribe a recording", "audio transcription")).toBeGreaterThan(sim("transcribe a recording", "image upscaling") + 0.05);
  expect(sim("geocode", "reverse geocoding")).toBeGreaterThan(sim("geocode", "stock quotes") + 0.1);
});

test("acronyms meet their words: TTS and text to speech, LLM and large language model", () => {
  expect(sim("TTS", "text to speech voices")).toBeGreaterThan(sim("TTS", "stock quotes") + 0.1);
  expect(sim("cheap llm", "large language model")).toBeGreaterThan(sim("cheap llm", "weather radar") + 0.1);
});

test("word order carries a little meaning through word pairs", () => {
  expect(sim("speech to text", "speech to text")).toBeGreaterThan(sim("speech to text", "text to speech"));
});

test("shorter vectors are zero-padded, longer ones refused", () => {
  const padded = padVector([0.6, 0.8]);
  expect(padded.length).toBe(EMBEDDING_DIMENSIONS);
  expect(Array.from(padded.slice(0, 3))).toEqual([Math.fround(0.6), Math.fround(0.8), 0]);
  expect(() => padVector(new Array(EMBEDDING_DIMENSIONS + 1).fill(0))).toThrow("at most 1536");
});
