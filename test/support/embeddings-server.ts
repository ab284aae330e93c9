import { createHash } from "node:crypto";

// A stand-in for OpenAI's /v1/embeddings: a real HTTP server on a random local port, so the app's
// `openai` client sends, parses and fails exactly as against api.openai.com. Vectors are
// deterministic (derived from a hash of each word), so equal texts get equal vectors and texts
// sharing words are similar; every request is recorded.

export interface EmbeddingsRequest {
  model: string;
  input: string[];
  encoding_format: string | undefined;
  authorization: string | null;
}

export interface EmbeddingsServer {
  /** The server's root, e.g. http://127.0.0.1:41234; OPENAI_BASE_URL is url + "/v1". */
  url: string;
  requests: EmbeddingsRequest[];
  /** Every text sent so far, in order. */
  inputs(): string[];
  /** Answer with this status and an OpenAI-style error body, or null to serve again. */
  failWith(status: number | null): void;
  stop(): Promise<void>;
}

/** A unit vector of `dimensions` from the text's words: each word adds a hash-derived direction. */
export function fakeEmbedding(text: string, dimensions: number): number[] {
  const out = new Array<number>(dimensions).fill(0);
  for (const word of text.toLowerCase().split(/[^a-z0-9]+/).filter(Boolean)) {
    const digest = createHash("sha256").update(word).digest();
    for (let k = 0; k < 4; k++) {
      const index = digest.readUInt16BE(k * 2) % dimensions;
      out[index]! += digest[8 + k]! & 1 ? 1 : -1;
    }
  }
  const norm = Math.sqrt(out.reduce((s, x) => s + x * x, 0)) || 1;
  return out.map((x) => x / norm);
}

export async function startEmbeddingsServer(options: { dimensions?: number } = {}): Promise<EmbeddingsServer> {
  const dimensions = options.dimensions ?? 1536;
  const requests: EmbeddingsRequest[] = [];
  let failure: number | null = null;
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(req) {
      if (req.method !== "POST" || new URL(req.url).pathname !== "/v1/embeddings") return new Response("not found", { status: 404 });
      const body = (await req.json()) as { model: string; input: string | string[]; encoding_format?: string };
      const input = typeof body.input === "string" ? [body.input] : body.input;
      requests.push({ model: body.model, input, encoding_format: body.encoding_format, authorization: req.headers.get("authorization") });
      if (failure !== null) {
        return Response.json({ error: { message: "the embeddings server is failing on purpose", type: "server_error", code: null } }, { status: failure });
      }
      const data = input.map((text, index) => {
        const vector = fakeEmbedding(text, dimensions);
        const embedding = body.encoding_format === "base64" ? Buffer.from(new Float32Array(vector).buffer).toString("base64") : vector;
        return { object: "embedding", index, embedding };
      });
      return Response.json({ object: "list", data, model: body.model, usage: { prompt_tokens: 0, total_tokens: 0 } });
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}`,
    requests,
    inputs: () => requests.flatMap((r) => r.input),
    failWith: (status) => {
      failure = status;
    },
    stop: () => server.stop(true),
  };
}
