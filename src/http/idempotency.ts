import type { Context } from "hono";
import { AppError } from "@/core/errors";
import { sha256Hex } from "@/core/hash";
import type { HonoEnv } from "./env";
import { errorBody } from "./errors";

// The HTTP side of Idempotency-Key (contract.md "Conventions"): reading and checking the header,
// hashing "the same request", and sending a stored answer marked as a replay. Where answers are
// stored is the ledger's business (it stores them in the transaction that moved the money).

/** An HTTP answer as stored for a replay. */
export interface IdempotentAnswer {
  status: number;
  body: unknown;
}

export interface IdempotencyKey {
  userId: bigint;
  key: string;
  requestHash: string;
}

/** Runs an operation under a key, storing its answer with its effect; replays an earlier one. */
export interface IdempotencyStore<Tx> {
  run(key: IdempotencyKey, operation: (tx: Tx) => Promise<IdempotentAnswer>, renderError: (err: AppError) => IdempotentAnswer): Promise<IdempotentAnswer & { replayed: boolean }>;
  /** Without a key: the operation alone. */
  direct(operation: (tx: Tx) => Promise<IdempotentAnswer>): Promise<IdempotentAnswer>;
}

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
/** What an Idempotency-Key may be, wherever it arrives (a header, an MCP tool argument). */
export const IDEMPOTENCY_KEY_PATTERN = KEY_PATTERN;

/** What identifies "the same request": method, path and the exact JSON body. */
export const requestHash = (method: string, path: string, body: unknown) => sha256Hex(`${method} ${path}\n${JSON.stringify(body)}`);

/**
 * The request's Idempotency-Key, validated, with the hash that says "same request". `operation`
 * names what is done when two paths do the same (an alias): a key then means one request on both.
 */
export function idempotencyKeyOf(c: Context<HonoEnv>, userId: bigint, body: unknown, operation = c.req.path): IdempotencyKey | undefined {
  const key = c.req.header("idempotency-key");
  if (key === undefined) return undefined;
  if (!KEY_PATTERN.test(key)) {
    throw new AppError("invalid_request", "Idempotency-Key must be 1-255 printable ASCII characters", {
      details: { issues: [{ field: "idempotency-key", location: "header", message: "invalid" }] },
    });
  }
  return { userId, key, requestHash: requestHash(c.req.method, operation, body) };
}

/** A refusal as an answer to store: the envelope of this request. */
export const refusalAnswer = (c: Context<HonoEnv>) => (err: AppError): IdempotentAnswer => ({ status: err.status, body: errorBody(err, c.get("requestId")) });

/**
 * Sends an answer. Typed `never` for the route: a replay carries the stored status and body, which
 * a route's typed responses cannot express (they are the same shapes, stored earlier).
 */
export function sendAnswer(c: Context<HonoEnv>, answer: IdempotentAnswer, replayed = false): never {
  if (replayed) c.header("Idempotent-Replayed", "true");
  // SAFETY: see above; the status is one the route declares.
  return c.json(answer.body as object, answer.status as 200) as never;
}

/**
 * Runs a money-moving operation (not the batched payment path) under the request's
 * Idempotency-Key when it carries one, and sends its answer (replays marked as such).
 */
export async function sendIdempotent<Tx>(
  c: Context<HonoEnv>,
  store: IdempotencyStore<Tx>,
  userId: bigint,
  body: unknown,
  operation: (tx: Tx) => Promise<IdempotentAnswer>,
  path?: string,
): Promise<never> {
  const key = idempotencyKeyOf(c, userId, body, path);
  if (!key) return sendAnswer(c, await store.direct(operation));
  const result = await store.run(key, operation, refusalAnswer(c));
  return sendAnswer(c, result, result.replayed);
}
