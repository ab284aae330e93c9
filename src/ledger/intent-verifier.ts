import * as crypto from "node:crypto";
import type { KeyObject } from "node:crypto";
import * as ed from "@noble/ed25519";
import { INTENT_LENGTH } from "./intent";

/**
 * Ed25519 verification of gateway intents, off the event loop. A native verify costs ~60 us of CPU,
 * the largest single cost of a gateway payment, and the event loop is the server's one thread: in
 * worker threads it runs on the other cores while the loop serves requests. Intents that arrive
 * while a worker is busy cross to it in one message when it answers, so the hop costs little per
 * payment under load, and nothing waits when the worker is idle.
 */
export interface IntentVerifier {
  /** True when `signature` (64 bytes) is the agent key's (intent bytes 1..33) signature of the intent. */
  verify(intent: Uint8Array, signature: Uint8Array): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * Verifies `count` packed items (intent, then its 64-byte signature). Self-contained on purpose:
 * its source text is also the worker's, so it may use nothing from this module's scope.
 */
function verifyPacked(items: Uint8Array, count: number, keys: Map<string, KeyObject>, crypto: typeof import("node:crypto"), intentLength: number): Uint8Array {
  const size = intentLength + 64;
  const out = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const o = i * size;
    const intent = items.subarray(o, o + intentLength);
    try {
      const x = Buffer.from(intent.subarray(1, 33)).toString("base64url");
      let key = keys.get(x);
      if (key === undefined) {
        key = crypto.createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x }, format: "jwk" });
        if (keys.size > 100_000) keys.clear();
        keys.set(x, key);
      }
      out[i] = crypto.verify(null, intent, key, items.subarray(o + intentLength, o + size)) ? 1 : 0;
    } catch {
      out[i] = 0;
    }
  }
  return out;
}

// The worker: plain JavaScript from a string, so a compiled binary needs no file beside it.
const WORKER_SOURCE = `
const crypto = require("node:crypto");
const keys = new Map();
const verifyPacked = ${verifyPacked.toString()};
self.onmessage = (e) => {
  const out = verifyPacked(e.data.items, e.data.count, keys, crypto, ${INTENT_LENGTH});
  postMessage({ id: e.data.id, out }, [out.buffer]);
};
`;

const inlineKeys = new Map<string, KeyObject>();
function verifyInline(intent: Uint8Array, signature: Uint8Array): boolean {
  const items = new Uint8Array(INTENT_LENGTH + 64);
  items.set(intent);
  items.set(signature, INTENT_LENGTH);
  return verifyPacked(items, 1, inlineKeys, crypto, INTENT_LENGTH)[0] === 1;
}

// Strictness as in wallet sign-in: a small-order public key "verifies" any message. Checked here,
// once per key (linked agent keys are few and never rebound), before a signature is looked at.
const smallOrder = new Map<string, boolean>();
function isSmallOrder(pub: Uint8Array): boolean {
  const k = Buffer.from(pub).toString("hex");
  let small = smallOrder.get(k);
  if (small === undefined) {
    try {
      small = ed.Point.fromBytes(pub).isSmallOrder();
    } catch {
      small = true; // not a point at all: nothing verifies
    }
    if (smallOrder.size > 100_000) smallOrder.clear();
    smallOrder.set(k, small);
  }
  return small;
}

interface Pending {
  intent: Uint8Array;
  signature: Uint8Array;
  resolve(ok: boolean): void;
}

/** `threads` workers (0: verify on the event loop). A worker that fails is replaced by inline verification. */
export function createIntentVerifier(threads: number, onError: (err: unknown) => void = () => {}): IntentVerifier {
  const workers: Worker[] = [];
  // Workers with nothing to do. A busy worker's next batch gathers meanwhile (group verification,
  // as the payment engine groups commits): one message per batch, not per intent, under load.
  const idle: Worker[] = [];
  const inFlight = new Map<number, Pending[]>();
  let queue: Pending[] = [];
  let scheduled = false;
  let nextId = 0;
  let broken = threads === 0;

  const failAll = (err: unknown) => {
    if (broken) return;
    broken = true;
    onError(err);
    for (const w of workers) w.terminate();
    // What was sent and not answered is verified here instead: no payment waits forever.
    for (const batch of inFlight.values()) for (const p of batch) p.resolve(verifyInline(p.intent, p.signature));
    inFlight.clear();
    flush();
  };

  // Started with the first intent: an instance that never sees a gateway payment runs no thread.
  const start = () => {
    try {
      const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: "application/javascript" }));
      for (let i = 0; i < threads; i++) {
        const w = new Worker(url);
        w.unref();
        w.onmessage = (e: MessageEvent<{ id: number; out: Uint8Array }>) => {
          const batch = inFlight.get(e.data.id);
          inFlight.delete(e.data.id);
          batch?.forEach((p, j) => p.resolve(e.data.out[j] === 1));
          idle.push(w);
          flush();
        };
        w.onerror = (e) => failAll(e);
        workers.push(w);
        idle.push(w);
      }
    } catch (err) {
      failAll(err);
    }
  };

  function flush() {
    scheduled = false;
    if (queue.length === 0) return;
    if (!broken && workers.length === 0) start();
    if (broken) {
      const batch = queue;
      queue = [];
      for (const p of batch) p.resolve(verifyInline(p.intent, p.signature));
      return;
    }
    const worker = idle.pop();
    if (!worker) return; // sent when a worker answers
    const batch = queue;
    queue = [];
    const size = INTENT_LENGTH + 64;
    const items = new Uint8Array(batch.length * size);
    batch.forEach((p, i) => {
      items.set(p.intent, i * size);
      items.set(p.signature, i * size + INTENT_LENGTH);
    });
    const id = nextId++;
    inFlight.set(id, batch);
    worker.postMessage({ id, items, count: batch.length }, [items.buffer]);
  }

  return {
    verify(intent, signature) {
      if (intent.length !== INTENT_LENGTH || signature.length !== 64 || isSmallOrder(intent.subarray(1, 33))) return Promise.resolve(false);
      return new Promise((resolve) => {
        queue.push({ intent, signature, resolve });
        if (!scheduled) {
          scheduled = true;
          // Everything verified in this turn of the loop crosses in one message.
          setImmediate(flush);
        }
      });
    },
    async close() {
      broken = true;
      for (const w of workers) w.terminate();
      for (const batch of inFlight.values()) for (const p of batch) p.resolve(verifyInline(p.intent, p.signature));
      inFlight.clear();
      flush();
    },
  };
}
