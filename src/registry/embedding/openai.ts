import OpenAI from "openai";
import { padVector, type Embedder } from "./embedder";

export interface OpenAiEmbedderOptions {
  apiKey: string;
  /** Any OpenAI-compatible server's base, e.g. http://localhost:11434/v1; the SDK's default otherwise. */
  baseURL?: string | undefined;
  model: string;
}

/**
 * OpenAI's /v1/embeddings, or any server speaking it. No SDK retries: the indexing queue retries
 * with backoff, and a search whose query cannot be embedded falls back to full-text ranking, so a
 * retry would only add latency on the request path.
 */
export function openAiEmbedder(options: OpenAiEmbedderOptions): Embedder {
  const client = new OpenAI({ apiKey: options.apiKey, baseURL: options.baseURL, maxRetries: 0, timeout: 15_000 });
  return {
    id: `openai:${options.model}`,
    async embed(texts) {
      if (texts.length === 0) return [];
      // "float" explicitly: the SDK's default (base64) is not implemented by every compatible server.
      const res = await client.embeddings.create({ model: options.model, input: texts, encoding_format: "float" });
      if (res.data.length !== texts.length) throw new Error(`the embeddings API returned ${res.data.length} vectors for ${texts.length} inputs`);
      const ordered = [...res.data].sort((a, b) => a.index - b.index);
      return ordered.map((d) => padVector(d.embedding));
    },
  };
}
