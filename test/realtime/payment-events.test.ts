import { afterAll, beforeAll, expect, test } from "bun:test";
import { generateSigningJwk } from "@/auth";
import { randomBase62 } from "@/core/ids";
import { createSql, type Sql } from "@/db/client";
import { startRealtime, type BrokerEvent } from "@/realtime";
import { startTestApp, type TestApp } from "../support/app";
import { createTestDatabase, type TestDatabase } from "../support/db";
import { createUser, type TestUser } from "../support/fixtures";
import { expectBalanced, fund } from "../support/ledger";

// A payment's events are as durable as the payment: written in its batch's transaction, deleted
// by the relay only once the broker took them. Here the server (a real process, BROKER=postgres)
// commits a payment, its relay is held up while publishing (the test holds the lock the postgres
// broker's publishing takes), and the server is killed with SIGKILL: the events were committed
// but never delivered. Another instance then delivers them, once.

// The postgres broker's publishing lock (src/realtime/queries.ts).
const EVENTS_LOCK = "machpay.realtime_events";

let db: TestDatabase;
let t: TestApp;
let direct: Sql;
let env: Record<string, string>;
beforeAll(async () => {
  db = await createTestDatabase();
  env = {
    BROKER: "postgres",
    JWT_PRIVATE_KEY: JSON.stringify(await generateSigningJwk()),
    API_KEY_PEPPER: randomBase62(40),
  };
  // The instance that delivers in the end; it also mints the users (same keys as the server's).
  t = await startTestApp(env, { db });
  direct = createSql(db.url, { max: 2 });
});
afterAll(async () => {
  await direct.end({ timeout: 5 });
  await t.close();
  await db.drop();
});

function freePort(): number {
  const probe = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
  const port = probe.port!;
  probe.stop(true);
  return port;
}

async function startServer(port: number) {
  const proc = Bun.spawn(["bun", "src/main.ts"], {
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", NODE_ENV: "test", LOG_LEVEL: "warn", DATABASE_URL: db.url, PORT: String(port), HOST: "127.0.0.1", ENABLE_WORKERS: "false", ...env },
    stdout: "ignore",
    stderr: "pipe",
  });
  for (let i = 0; i < 100; i++) {
    if (await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.ok, () => false)) return proc;
    await Bun.sleep(100);
  }
  proc.kill("SIGKILL");
  throw new Error(`the server did not start: ${await new Response(proc.stderr).text()}`);
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  for (const end = Date.now() + ms; Date.now() < end; await Bun.sleep(50)) {
    const found = await probe();
    if (found !== undefined) return found;
  }
  throw new Error(`timed out waiting for ${what}`);
}

const relayBlockedOnPublish = async () => {
  const [row] = await direct`
    SELECT 1 AS waiting FROM pg_stat_activity
    WHERE datname = ${db.name} AND wait_event_type = 'Lock' AND wait_event = 'advisory'`;
  return row ? true : undefined;
};

test("events committed with a payment, but not delivered when the server is killed, are delivered by another instance, once", async () => {
  const agent: TestUser = await createUser(t, { profile: "agent" });
  const vendor: TestUser = await createUser(t, { profile: "vendor" });
  await fund(t, agent.id, 10_000n);

  // Hold the broker's publishing lock: the server's relay will claim the batch, then wait on it.
  const holder = await direct.reserve();
  await holder`SELECT pg_advisory_lock(hashtext(${EVENTS_LOCK}))`;
  const port = freePort();
  const server = await startServer(port);
  let transactionId: string;
  try {
    const res = await fetch(`http://127.0.0.1:${port}/v1/agent/pay`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${agent.token}` },
      body: JSON.stringify({ to: vendor.id.toString(), amount_atomic: "700" }),
    });
    expect(res.status).toBe(201);
    transactionId = ((await res.json()) as { transaction: { id: string } }).transaction.id;
    await until("the server's relay to hold the batch, waiting to publish", relayBlockedOnPublish);
    server.kill("SIGKILL");
    await server.exited;
  } finally {
    server.kill("SIGKILL");
  }
  // The relay's transaction died with the process: the batch is still there, undelivered.
  const [pending] = await direct<{ n: bigint }[]>`SELECT count(*) AS n FROM payment_event_batches`;
  expect(pending!.n).toBe(1n);

  // Another instance, subscribed to both parties' topics, delivers them once the lock is free.
  const seen: BrokerEvent[] = [];
  const unsubscribe = t.deps.broker.subscribe([`user:${agent.id}`, `user:${vendor.id}`, "ticker"], (e) => seen.push(e));
  const stopRealtime = startRealtime(t.deps);
  try {
    await holder`SELECT pg_advisory_unlock(hashtext(${EVENTS_LOCK}))`;
    holder.release();
    const types = await until("the events", async () => {
      const mine = seen.filter((e) => JSON.stringify(e.data).includes(transactionId));
      return mine.length >= 3 ? mine.map((e) => `${e.topic} ${e.type}`).sort() : undefined;
    });
    expect(types).toEqual(["ticker ticker", `user:${agent.id} payment.sent`, `user:${vendor.id} payment.received`]);
    const sent = seen.find((e) => e.type === "payment.sent")!.data as { transaction: { id: string; amount_atomic: string }; balance: { available_atomic: string } };
    expect(sent.transaction).toMatchObject({ id: transactionId, amount_atomic: "700" });
    expect(sent.balance.available_atomic).toBe("9300");
    // Delivered, the batch is gone: a later pass sends nothing again.
    await until("the batch to be forgotten", async () => {
      const [row] = await direct<{ n: bigint }[]>`SELECT count(*) AS n FROM payment_event_batches`;
      return row!.n === 0n ? true : undefined;
    });
    await Bun.sleep(300);
    expect(seen.filter((e) => e.type === "payment.sent").length).toBe(1);
  } finally {
    unsubscribe();
    await stopRealtime();
  }
  await expectBalanced(t);
}, 30_000);
