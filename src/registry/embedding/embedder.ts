import type { Config } from "@/config";
import { localEmbedder } from "./local";
import { openAiEmbedder } from "./openai";

// One interface for every way of turning text into a vector (contract.md "Discovery").

/** service_embeddings.embedding is vector(1536): OpenAI ada-002's size. */
export const EMBEDDING_DIMENSIONS = 1536;

export interface Embedder {
  /**
   * Names the model: it is part of every content hash, so switching embedders re-embeds every
   * service instead of comparing vectors from two different spaces.
   */
  readonly id: string;
  /** One vector per text, in order, each exactly EMBEDDING_DIMENSIONS long. */
  embed(texts: string[]): Promise<Float32Array[]>;
}

/** The OpenAI-compatible embedder when a key is configured, otherwise the local one (no network). */
export function createEmbedder(config: Pick<Config, "OPENAI_API_KEY" | "OPENAI_BASE_URL" | "EMBEDDING_MODEL">): Embedder {
  if (config.OPENAI_API_KEY) {
    return openAiEmbedder({ apiKey: config.OPENAI_API_KEY, baseURL: config.OPENAI_BASE_URL, model: config.EMBEDDING_MODEL });
  }
  return localEmbedder();
}

/**
 * Zero-pads a shorter vector to EMBEDDING_DIMENSIONS: cosine similarity is unchanged, so models of
 * 384, 768 or 1024 dimensions fit the column. A longer vector cannot be stored faithfully.
 */
export function padVector(values: ArrayLike<number>): Float32Array {
  if (values.length > EMBEDDING_DIMENSIONS) {
    throw new Error(`the embedding model returned ${values.length} dimensions; at most ${EMBEDDING_DIMENSIONS} can be stored`);
  }
  if (values.length === 0) throw new Error("the embedding model returned an empty vector");
  const out = new Float32Array(EMBEDDING_DIMENSIONS);
  out.set(values);
  return out;
}

/** pgvector's text form, '[0.1,0,-0.25,...]': float32 needs at most 7 significant digits. */
export function toVectorLiteral(v: Float32Array): string {
  let out = "[";
  for (let i = 0; i < v.length; i++) {
    const x = v[i]!;
    if (i > 0) out += ",";
    out += x === 0 ? "0" : x.toPrecision(7);
  }
  return out + "]";
}
