import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { manualClock, unixSeconds } from "@/core/clock";
import { startTestApp, type TestApp } from "../support/app";
import { agentRow, expectBalanced, fund, gatewaySetup, insertService, intentBytes, post, signIntent, transactionCount, unsettledOf } from "../support/ledger";
import { toBase58 } from "../support/solana-keys";

// POST /v1/gateway/payments/batch: many intents in one request, each answered as the single
// endpoint would answer it, in order.

const clock = manualClock(new Date("2031-03-14T12:00:00Z"));
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ PLATFORM_FEE_BPS: "100", RATE_LIMIT_LINK_PER_MINUTE: "100000", GATEWAY_BATCH_MAX: "50" }, { clock });
});
afterAll(() => t.close());

const now = () => BigInt(unixSeconds(clock.now()));
const batch = (key: string, payments: unknown[], headers: Record<string, string> = {}) => post(t, "/v1/gateway/payments/batch", key, { payments }, headers);
type Result = { status: number; replayed: boolean; body: any };

describe("a batch of intents", () => {
  test("good, refused and malformed intents: each gets the single endpoint's answer, in order; only the good ones move money", async () => {
    const g = await gatewaySetup(t);
    await fund(t, g.agent.id, 10_000n);
    const good1 = await signIntent(t, g.agentDevice, g.gatewayDevice.address, 1_000n, 1n);
    const good2 = await signIntent(t, g.agentDevice, g.gatewayDevice.address, 2_000n, 2n);
    const tooBig = await signIntent(t, g.agentDevice, g.gatewayDevice.address, 1_000_000n, 3n);
    const expired = await signIntent(t, g.agentDevice, g.gatewayDevice.address, 1_000n, 4n, { deadline: now() - 1n });
    const short = intentBytes(t, g.agentDevice.address, g.gatewayDevice.address, 1_000n, 5n).slice(0, 120);
    const malformed = { intent: Buffer.from(short).toString("base64"), signature: toBase58(await g.agentDevice.sign(short)) };
    const bytes = intentBytes(t, g.agentDevice.address, g.gatewayDevice.address, 1_000n, 6n);
    const forged = { intent: Buffer.from(bytes).toString("base64"), signature: toBase58(await g.agentDevice.sign(bytes.slice(0, 60))) };

    const r = await batch(g.gatewayKey, [good1, tooBig, expired, malformed, forged, good2, good1]);

    expect(r.status).toBe(200);
    const results: Result[] = r.body.results;
    expect(results.map((x) => x.status)).toEqual([201, 402, 422, 400, 401, 201, 409]);
    expect(results.map((x) => x.body.error?.code)).toEqual([undefined, "insufficient_funds", "intent_expired", "invalid_intent", "invalid_intent_signature", undefined, "nonce_already_used"]);
    expect(r.body.paid).toBe(2);
    expect(r.body.refused).toBe(5);
    expect(results[0]!.body.transaction).toMatchObject({ amount_atomic: "1000", source: "gateway", status: "confirmed" });
    expect(results[5]!.body.transaction.amount_atomic).toBe("2000");
    expect(results[1]!.body.error.request_id).toBe(r.res.headers.get("x-request-id"));
    expect(results.every((x) => x.replayed === false)).toBe(true);
    expect((await agentRow(t, g.agent.id)).balance).toBe(7_000n);
    expect(await unsettledOf(t, g.vendor.id)).toBe(2_970n);
    expect(await transactionCount(t, g.agent.id)).toBe(2);
    await expectBalanced(t);
  });

  test("the same batch again under its Idempotency-Key replays every result and pays nothing more; another batch under it is 409", async () => {
    const g = await gatewaySetup(t);
    await fund(t, g.agent.id, 5_000n);
    const payments = [
      await signIntent(t, g.agentDevice, g.gatewayDevice.address, 1_000n, 1n),
      await signIntent(t, g.agentDevice, g.gatewayDevice.address, 9_000n, 2n),
      await signIntent(t, g.agentDevice, g.gatewayDevice.address, 500n, 3n),
    ];
    const first = await batch(g.gatewayKey, payments, { "idempotency-key": "batch-1" });
    expect(first.body.results.map((x: Result) => x.status)).toEqual([201, 402, 201]);
    await fund(t, g.agent.id, 100_000n); // the refused intent would pass now: a replay must not pay it

    const again = await batch(g.gatewayKey, payments, { "idempotency-key": "batch-1" });
    expect(again.status).toBe(200);
    expect(again.res.headers.get("idempotent-replayed")).toBe("true");
    expect(again.body.results.map((x: Result) => x.status)).toEqual([201, 402, 201]);
    expect(again.body.results.every((x: Result) => x.replayed)).toBe(true);
    expect(again.body.results[0].body).toEqual(first.body.results[0].body);
    expect(again.body.results[1].body.error.request_id).toBe(first.res.headers.get("x-request-id"));
    expect(await transactionCount(t, g.agent.id)).toBe(2);
    expect((await agentRow(t, g.agent.id)).balance).toBe(5_000n - 1_500n + 100_000n);

    const other = await batch(g.gatewayKey, payments.slice(0, 1), { "idempotency-key": "batch-1" });
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe("idempotency_conflict");
    // Without the key, the same intents are replays of spent nonces.
    const unkeyed = await batch(g.gatewayKey, payments);
    expect(unkeyed.body.results.map((x: Result) => x.body.error?.code)).toEqual(["nonce_already_used", "nonce_already_used", "nonce_already_used"]);
    expect(await transactionCount(t, g.agent.id)).toBe(2);
    await expectBalanced(t);
  });

  test("a retry under the batch's key replays what reached the ledger and decides again only what was refused before it", async () => {
    const g = await gatewaySetup(t);
    await fund(t, g.agent.id, 10_000n);
    const service = `svc-batch-${g.vendor.id}`;
    const payments = [
      await signIntent(t, g.agentDevice, g.gatewayDevice.address, 1_000n, 1n),
      { ...(await signIntent(t, g.agentDevice, g.gatewayDevice.address, 2_000n, 2n)), service_id: service },
      await signIntent(t, g.agentDevice, g.gatewayDevice.address, 1_000n, 1n),
    ];
    // The service does not exist yet: the second intent never reaches the ledger (as a single
    // payment's 404 would not); the third is a replay of the first intent's nonce, stored as refused.
    const first = await batch(g.gatewayKey, payments, { "idempotency-key": "retry" });
    expect(first.body.results.map((x: Result) => x.body.error?.code ?? x.status)).toEqual([201, "service_not_found", "nonce_already_used"]);
    await insertService(t, g.vendor.id, service);

    const retry = await batch(g.gatewayKey, payments, { "idempotency-key": "retry" });
    expect(retry.body.results.map((x: Result) => [x.status, x.replayed])).toEqual([[201, true], [201, false], [409, true]]);
    expect(retry.res.headers.get("idempotent-replayed")).toBeNull();
    expect(retry.body.results[1].body.transaction.service_id).toBe(service);
    const third = await batch(g.gatewayKey, payments, { "idempotency-key": "retry" });
    expect(third.body.results.map((x: Result) => [x.status, x.replayed])).toEqual([[201, true], [201, true], [409, true]]);
    expect(third.res.headers.get("idempotent-replayed")).toBe("true");
    expect(await transactionCount(t, g.agent.id)).toBe(2);
    expect((await agentRow(t, g.agent.id)).balance).toBe(7_000n);
    await expectBalanced(t);
  });

  test("concurrent batches spending one balance: never more than it holds, each intent paid at most once", async () => {
    const g = await gatewaySetup(t);
    await fund(t, g.agent.id, 10_000n);
    const batches = await Promise.all(
      [0, 1, 2, 3].map(async (b) =>
        Promise.all([0, 1, 2, 3, 4].map((i) => signIntent(t, g.agentDevice, g.gatewayDevice.address, 1_000n, BigInt(b * 10 + i + 1)))),
      ),
    );
    // The same intents twice: two batches race on their nonces as well.
    const answers = await Promise.all([...batches, batches[0]!].map((p) => batch(g.gatewayKey, p)));
    const results = answers.flatMap((a) => a.body.results as Result[]);
    const paid = results.filter((x) => x.status === 201).length;
    expect(paid).toBe(10);
    expect(results.filter((x) => x.status === 402).length + results.filter((x) => x.status === 409).length).toBe(results.length - paid);
    expect((await agentRow(t, g.agent.id)).balance).toBe(0n);
    expect(await transactionCount(t, g.agent.id)).toBe(10);
    await expectBalanced(t);
  });

  test("the body itself malformed, empty or over GATEWAY_BATCH_MAX: 400 naming the field, nothing paid", async () => {
    const g = await gatewaySetup(t);
    await fund(t, g.agent.id, 10_000n);
    const ok = await signIntent(t, g.agentDevice, g.gatewayDevice.address, 1_000n, 1n);
    const bad = await batch(g.gatewayKey, [ok, { intent: ok.intent }]);
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.issues[0].field).toBe("payments.1.signature");
    expect((await batch(g.gatewayKey, [])).status).toBe(400);
    const tooMany = await batch(g.gatewayKey, Array.from({ length: 51 }, () => ok));
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.details.issues[0].field).toBe("payments");
    expect(await transactionCount(t, g.agent.id)).toBe(0);
  });

  test("an agent's key cannot submit a batch: 403", async () => {
    const g = await gatewaySetup(t);
    const ok = await signIntent(t, g.agentDevice, g.gatewayDevice.address, 1_000n, 1n);
    const r = await batch(g.agent.token, [ok]);
    expect(r.status).toBe(403);
  });
});
