import { describe, expect, test } from "bun:test";
import { generateKeyPairSync, sign } from "node:crypto";
import { createIntentVerifier, encodeIntent } from "@/ledger";

// The intent signature check, in worker threads (the gateway path) and on the event loop (0 threads).

function keypair() {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  return { privateKey, pub: new Uint8Array(Buffer.from(publicKey.export({ format: "jwk" }).x!, "base64url")) };
}

function intentOf(agent: Uint8Array, nonce: bigint) {
  return encodeIntent({ agent, gateway: new Uint8Array(32).fill(7), mint: new Uint8Array(32).fill(9), amount: 1000n, nonce, deadline: 2_000_000_000n });
}

for (const threads of [0, 1, 2]) {
  describe(`with ${threads} worker thread(s)`, () => {
    test("a good signature verifies; another key's, other bytes' or a truncated one does not", async () => {
      const v = createIntentVerifier(threads);
      try {
        const a = keypair();
        const b = keypair();
        const intent = intentOf(a.pub, 1n);
        const good = new Uint8Array(sign(null, intent, a.privateKey));
        expect(await v.verify(intent, good)).toBe(true);
        expect(await v.verify(intent, new Uint8Array(sign(null, intent, b.privateKey)))).toBe(false);
        expect(await v.verify(intentOf(a.pub, 2n), good)).toBe(false);
        expect(await v.verify(intent, good.subarray(0, 63))).toBe(false);
        const flipped = good.slice();
        flipped[10]! ^= 1;
        expect(await v.verify(intent, flipped)).toBe(false);
      } finally {
        await v.close();
      }
    });

    test("a small-order agent key verifies nothing, even a signature that checks out for it", async () => {
      const v = createIntentVerifier(threads);
      try {
        // The identity point (y = 1): with R = identity and s = 0, the verification equation holds for any message.
        const identity = new Uint8Array(32);
        identity[0] = 1;
        const sig = new Uint8Array(64);
        sig[0] = 1;
        expect(await v.verify(intentOf(identity, 1n), sig)).toBe(false);
        // Not a point at all.
        expect(await v.verify(intentOf(new Uint8Array(32).fill(0xff), 1n), sig)).toBe(false);
      } finally {
        await v.close();
      }
    });

    test("600 verifications at once, half forged: each answer belongs to its own request", async () => {
      const failures: unknown[] = [];
      const v = createIntentVerifier(threads, (err) => failures.push(err));
      try {
        const keys = [keypair(), keypair(), keypair()];
        const cases = Array.from({ length: 600 }, (_, i) => {
          const k = keys[i % 3]!;
          const intent = intentOf(k.pub, BigInt(i));
          const signer = i % 2 === 0 ? k : keys[(i + 1) % 3]!;
          return { intent, sig: new Uint8Array(sign(null, intent, signer.privateKey)), ok: i % 2 === 0 };
        });
        const answers = await Promise.all(cases.map((c) => v.verify(c.intent, c.sig)));
        expect(answers).toEqual(cases.map((c) => c.ok));
        // The workers did the work: none failed over to the event loop.
        expect(failures).toEqual([]);
      } finally {
        await v.close();
      }
    });
  });
}

test("close() answers what is still in flight, and later calls verify on the event loop", async () => {
  const v = createIntentVerifier(1);
  const k = keypair();
  const intent = intentOf(k.pub, 1n);
  const sig = new Uint8Array(sign(null, intent, k.privateKey));
  const pending = Array.from({ length: 50 }, () => v.verify(intent, sig));
  await v.close();
  expect(await Promise.all(pending)).toEqual(Array(50).fill(true));
  expect(await v.verify(intent, sig)).toBe(true);
});
