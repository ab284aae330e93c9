import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { manualClock } from "@/core/clock";
import { randomBase62 } from "@/core/ids";
import { deliverDue, deliveryCtxOf, recordNotification } from "@/notifications";
import { startTestApp, type TestApp } from "../support/app";
import { createTestDatabase, type TestDatabase } from "../support/db";
import { createUser, type TestUser } from "../support/fixtures";
import { json } from "../support/http";
import { startReceiver, verifySignature, type Receiver } from "./receiver";

// Webhook deliveries (issue 7 item 6): signed, de-duplicable by event id, retried after 1 min,
// 5 min, 30 min and 2 h then given up, kept in SQL across restarts, and checked against SSRF at
// delivery time too. Passes of the worker are run directly; a manual clock makes retries due.

const MIN = 60_000;
const clock = manualClock(new Date("2026-03-02T10:00:00Z"));
const env = { WEBHOOK_ALLOW_PRIVATE_TARGETS: "true", WEBHOOK_TIMEOUT_MS: "1000", API_KEY_PEPPER: "test-pepper-0123456789abcdefghijklmnop" };

let db: TestDatabase;
let t: TestApp;
let receiver: Receiver;
beforeAll(async () => {
  db = await createTestDatabase();
  t = await startTestApp(env, { db, clock });
});
afterAll(async () => {
  await t.close();
  await db.drop();
});
afterEach(async () => {
  await receiver?.close();
  // Nothing a test left pending comes due in the next one when the clock moves on.
  await t.sql`DELETE FROM webhooks`;
});

const pass = (app: TestApp = t) => deliverDue(deliveryCtxOf(app.deps));

async function hook(user: TestUser, events: string[] = ["payout.requested"], path = "/hook", app: TestApp = t, base = receiver.url) {
  const res = await fetch(app.url + "/v1/webhooks", {
    method: "POST",
    headers: { authorization: `Bearer ${user.token}`, "content-type": "application/json" },
    body: JSON.stringify({ url: base + path, events }),
  });
  const body = await json(res);
  if (res.status !== 201) throw new Error(`hook: ${res.status} ${JSON.stringify(body)}`);
  return { id: body.id as string, secret: body.secret as string };
}

/** A notification committed as the ledger code records them (payout.requested is not emailed). */
const notify = (user: TestUser, type = "payout.requested", payload: Record<string, unknown> = { payout_id: `po_${randomBase62(8)}`, amount_atomic: "2500000" }) =>
  t.sql.begin((tx) => recordNotification(tx, user.id, type, payload)) as Promise<bigint>;

async function deliveryOf(webhookId: string) {
  const [row] = await t.sql<{ status: string; attempts: number; last_error: string | null; last_status: number | null; in_flight: boolean }[]>`
    SELECT status, attempts, last_error, last_status, in_flight FROM notification_deliveries WHERE webhook_id = ${BigInt(webhookId)}`;
  return row!;
}

describe("webhook delivery", () => {
  test("a committed notification is POSTed once, signed with the webhook's secret, carrying its event id", async () => {
    receiver = startReceiver();
    const user = await createUser(t);
    const { id, secret } = await hook(user);
    const payload = { payout_id: "po_abc", amount_atomic: "2500000" };
    const notificationId = await notify(user, "payout.requested", payload);

    expect(await pass()).toMatchObject({ claimed: 1, delivered: 1 });
    const [got] = await receiver.waitFor(1);
    expect(got!.path).toBe("/hook");
    expect(got!.headers.get("content-type")).toBe("application/json");
    expect(verifySignature(secret, got!)).toBe(true);
    expect(verifySignature("whsec_someoneelse0000000000000000000000", got!)).toBe(false);
    expect(got!.body).toEqual({ id: `evt_${notificationId}`, type: "payout.requested", created_at: expect.any(String), data: payload });
    expect(got!.headers.get("x-machpay-event-id")).toBe(`evt_${notificationId}`);
    expect(await deliveryOf(id)).toMatchObject({ status: "delivered", attempts: 1, last_status: 200, in_flight: false });

    expect(await pass()).toMatchObject({ claimed: 0 });
    expect(receiver.received).toHaveLength(1);
  });

  test("only the owner's webhooks subscribed to the type receive it", async () => {
    receiver = startReceiver();
    const alice = await createUser(t);
    const bob = await createUser(t);
    await hook(alice, ["payout.failed"], "/alice-other-type");
    await hook(alice, ["*"], "/alice-all");
    await hook(alice, ["payout.requested", "link.approved"], "/alice-listed");
    await hook(bob, ["*"], "/bob");
    await notify(alice);
    await pass();
    expect(receiver.received.map((r) => r.path).sort()).toEqual(["/alice-all", "/alice-listed"]);
  });

  test("a notification whose transaction rolled back is never delivered", async () => {
    receiver = startReceiver();
    const user = await createUser(t);
    await hook(user);
    const rolledBack = await t.sql
      .begin(async (tx) => {
        await recordNotification(tx, user.id, "payout.requested", { payout_id: "po_gone" });
        throw new Error("the payout failed its checks");
      })
      .catch((err: Error) => err.message);
    expect(rolledBack).toBe("the payout failed its checks");
    expect(await pass()).toMatchObject({ claimed: 0 });
    expect(receiver.received).toHaveLength(0);
  });

  test("failures are retried after 1 min then 5 min, with the same event id; a 2xx ends it", async () => {
    receiver = startReceiver();
    receiver.plan(500, 503);
    const user = await createUser(t);
    const { id, secret } = await hook(user);
    await notify(user);

    await pass();
    expect(receiver.received).toHaveLength(1);
    expect(await deliveryOf(id)).toMatchObject({ status: "pending", attempts: 1, last_status: 500 });
    await pass();
    clock.advance(MIN - 1000);
    await pass();
    expect(receiver.received).toHaveLength(1);
    clock.advance(1000);
    await pass();
    expect(receiver.received).toHaveLength(2);
    expect(await deliveryOf(id)).toMatchObject({ status: "pending", attempts: 2, last_status: 503 });
    clock.advance(5 * MIN - 1000);
    await pass();
    expect(receiver.received).toHaveLength(2);
    clock.advance(1000);
    await pass();
    expect(receiver.received).toHaveLength(3);
    expect(await deliveryOf(id)).toMatchObject({ status: "delivered", attempts: 3, last_status: 200, last_error: null });

    const ids = new Set(receiver.received.map((r) => r.body.id));
    expect(ids.size).toBe(1);
    expect(receiver.received.every((r) => r.headers.get("x-machpay-event-id") === r.body.id && verifySignature(secret, r))).toBe(true);
  });

  test("after failures at 0, +1 min, +5 min, +30 min and +2 h the delivery is given up", async () => {
    receiver = startReceiver();
    receiver.plan(500, 500, 500, 500, 500, 500);
    const user = await createUser(t);
    const { id } = await hook(user);
    await notify(user);
    await pass();
    for (const wait of [1, 5, 30, 120]) {
      clock.advance(wait * MIN);
      await pass();
    }
    expect(receiver.received).toHaveLength(5);
    const row = await deliveryOf(id);
    expect(row).toMatchObject({ status: "failed", attempts: 5, last_status: 500 });
    expect(row.last_error).toContain("gave up after 5 attempts");
    clock.advance(24 * 60 * MIN);
    expect(await pass()).toMatchObject({ claimed: 0 });
    expect(receiver.received).toHaveLength(5);
  });

  test("a redirect is not followed and a receiver that never answers times out: both are failed attempts", async () => {
    receiver = startReceiver();
    receiver.plan({ redirect: "/elsewhere" }, "hang");
    const user = await createUser(t);
    const { id } = await hook(user);
    await notify(user);
    await pass();
    expect(await deliveryOf(id)).toMatchObject({ status: "pending", last_status: 302, last_error: "redirect not followed: HTTP 302" });
    clock.advance(MIN);
    await pass();
    expect(await deliveryOf(id)).toMatchObject({ status: "pending", attempts: 2, last_status: null, last_error: "timed out after 1000 ms" });
    clock.advance(5 * MIN);
    await pass();
    expect(await deliveryOf(id)).toMatchObject({ status: "delivered", attempts: 3 });
    expect(receiver.received.map((r) => r.path)).toEqual(["/hook", "/hook", "/hook"]);
  });

  test("instances working at once deliver each event exactly once", async () => {
    receiver = startReceiver();
    const user = await createUser(t);
    await hook(user);
    const ids = new Set<string>();
    // More than one claim's batch, so that the passes split the rows between them.
    for (let i = 0; i < 40; i++) ids.add(`evt_${await notify(user)}`);
    const other = await startTestApp(env, { db, clock });
    try {
      const passes = await Promise.all([pass(), pass(other), pass(), pass(other)]);
      expect(passes.filter((p) => p.claimed > 0).length).toBeGreaterThan(1);
      while ((await pass()).claimed > 0);
    } finally {
      await other.close();
    }
    expect(receiver.received).toHaveLength(40);
    expect(new Set(receiver.received.map((r) => r.body.id))).toEqual(ids);
  });

  test("deleting a webhook drops its pending retries", async () => {
    receiver = startReceiver();
    receiver.plan(500);
    const user = await createUser(t);
    const { id } = await hook(user);
    await notify(user);
    await pass();
    const del = await fetch(`${t.url}/v1/webhooks/${id}`, { method: "DELETE", headers: { authorization: `Bearer ${user.token}` } });
    expect(del.status).toBe(204);
    clock.advance(MIN);
    expect(await pass()).toMatchObject({ claimed: 0 });
    expect(receiver.received).toHaveLength(1);
  });
});

describe("durability", () => {
  test("a restart loses nothing: a delivery waiting for its retry goes out from the next instance", async () => {
    receiver = startReceiver();
    receiver.plan(500);
    const user = await createUser(t);
    const { id, secret } = await hook(user);
    await notify(user);
    await pass();
    expect(await deliveryOf(id)).toMatchObject({ status: "pending", attempts: 1 });

    await t.close();
    t = await startTestApp(env, { db, clock });
    clock.advance(MIN);
    await pass();
    expect(receiver.received).toHaveLength(2);
    expect(receiver.received[1]!.body.id).toBe(receiver.received[0]!.body.id);
    expect(verifySignature(secret, receiver.received[1]!)).toBe(true);
    expect(await deliveryOf(id)).toMatchObject({ status: "delivered", attempts: 2 });
  });

  test("a worker that died mid-send leaves the delivery due again once its lease runs out", async () => {
    receiver = startReceiver();
    const user = await createUser(t);
    const { id } = await hook(user);
    await notify(user);
    // The state a claim leaves when its process dies before recording the outcome.
    await t.sql`
      UPDATE notification_deliveries
      SET attempts = 1, in_flight = true, next_attempt_at = ${new Date(clock.now().getTime() + 5 * MIN)}
      WHERE webhook_id = ${BigInt(id)}`;
    expect(await pass()).toMatchObject({ claimed: 0 });
    clock.advance(5 * MIN);
    await pass();
    expect(receiver.received).toHaveLength(1);
    expect(await deliveryOf(id)).toMatchObject({ status: "delivered", attempts: 2, in_flight: false });
  });
});

describe("SSRF at delivery time", () => {
  test("a target that now resolves to a private address is refused without being contacted", async () => {
    receiver = startReceiver();
    const strict = await startTestApp({ ...env, WEBHOOK_ALLOW_PRIVATE_TARGETS: "false" }, { db, clock });
    try {
      const user = await createUser(t);
      // Registered while allowed; delivered by an instance that refuses private targets, as if the
      // name had been re-pointed at an internal address after registration (DNS rebinding).
      const https = receiver.url.replace("http:", "https:");
      const byIp = await hook(user, ["payout.requested"], "/ip", t, https);
      const byName = await hook(user, ["payout.requested"], "/name", t, https.replace("127.0.0.1", "localhost"));
      await notify(user);
      expect(await pass(strict)).toMatchObject({ claimed: 2, retrying: 2 });
      expect(receiver.received).toHaveLength(0);
      for (const { id } of [byIp, byName]) {
        const row = await deliveryOf(id);
        expect(row).toMatchObject({ status: "pending", attempts: 1, last_status: null });
        expect(row.last_error).toContain("target refused");
        expect(row.last_error).toContain("loopback");
      }
    } finally {
      await strict.close();
    }
  });
});
