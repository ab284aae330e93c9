import { afterAll, beforeAll, expect, test } from "bun:test";
import { migrate } from "@/db/migrate";
import { MIGRATIONS } from "@/db/migrations";
import { createSql } from "@/db/client";
import { startPrivatePostgres, type PrivatePostgres } from "../../scripts/lib/private-postgres";
import { startTestApp, type TestApp } from "../support/app";
import { createUser, type TestUser } from "../support/fixtures";
import { expectBalanced, fund, post } from "../support/ledger";

// A real PostgreSQL (a private cluster, never the machine's) restarted and killed under load: once
// it accepts connections again, the pool must serve every request promptly, by itself. postgres.js
// 3.4.9 left a connection whose socket died with a write buffered unable to send its next startup
// message: ~1% of requests then hung for connect_timeout (10 s) and failed, again and again, for
// as long as the process lived (patches/postgres@3.4.9.patch).

const CLIENTS = 40;
/** Longer than any healthy request here; far shorter than the 10 s a poisoned connection hangs. */
const SLOW_MS = 2000;

let pg: PrivatePostgres;
let t: TestApp;
let agents: TestUser[];
let vendor: TestUser;

beforeAll(async () => {
  pg = await startPrivatePostgres();
  const setup = createSql(pg.url, { max: 1 });
  await migrate(setup, MIGRATIONS);
  await setup.end({ timeout: 5 });
  t = await startTestApp({ DATABASE_URL: pg.url, DB_POOL_MAX: "10", MIN_BOND_ATOMIC: "1" }, { db: { name: "private", url: pg.url, drop: async () => {} } });
  vendor = await createUser(t, { profile: "vendor" });
  agents = await Promise.all(Array.from({ length: 8 }, () => createUser(t, { profile: "agent" })));
  for (const a of agents) await fund(t, a.id, 1_000_000_000n);
}, 60_000);
afterAll(async () => {
  await t?.close();
  await pg?.destroy();
}, 30_000);

interface Sent {
  path: string;
  at: number;
  done?: number;
  status?: number;
  code?: string;
}

/**
 * Clients paying (the engine's reserved connections) and moving bonds (sql.begin transactions,
 * whose ROLLBACK after a lost connection was what poisoned the pool) as fast as they are answered.
 */
function load() {
  const sent: Sent[] = [];
  let running = true;
  const one = async (i: number) => {
    const agent = agents[i % agents.length]!;
    const path = i % 2 === 0 ? "/v1/agent/pay" : "/v1/agent/bond/deposit";
    const s: Sent = { path, at: performance.now() };
    sent.push(s);
    try {
      const r = await post(t, path, agent.token, i % 2 === 0 ? { to: vendor.id.toString(), amount_atomic: "10" } : { amount_atomic: "1" });
      s.status = r.status;
      s.code = r.body?.error?.code;
    } catch {
      s.code = "fetch_failed";
    }
    s.done = performance.now();
  };
  const loops = Array.from({ length: CLIENTS }, async (_, i) => {
    while (running) {
      await one(i);
      if (sent.at(-1)?.status !== 201 && sent.at(-1)?.status !== 200) await Bun.sleep(20);
    }
  });
  return {
    sent,
    async stop() {
      running = false;
      await Promise.race([Promise.all(loops), Bun.sleep(15_000)]);
    },
  };
}

async function firstSuccessAfter(sent: Sent[], from: number): Promise<number> {
  for (let waited = 0; waited < 15_000; waited += 50) {
    const ok = sent.find((s) => s.at >= from && s.done !== undefined && (s.status === 200 || s.status === 201));
    if (ok) return ok.done!;
    await Bun.sleep(50);
  }
  throw new Error("no request succeeded within 15 s of PostgreSQL accepting connections again");
}

test("after PostgreSQL is restarted and killed under load, the pool heals by itself: no slow request, no 500", async () => {
  const running = load();
  const faults: (() => Promise<void>)[] = [
    () => pg.restart("fast"),
    () => pg.restart("immediate"),
    async () => {
      await pg.kill9();
      await pg.start();
    },
  ];
  const windows: { from: number; until: number }[] = [];
  for (const fault of faults) {
    await Bun.sleep(400);
    await fault();
    const healed = await firstSuccessAfter(running.sent, performance.now());
    // Requests sent from a moment after recovery on are the pool's steady state again.
    const from = healed + 300;
    await Bun.sleep(2_500);
    windows.push({ from, until: performance.now() });
  }
  const end = performance.now();
  const inWindows = running.sent.filter((s) => windows.some((w) => s.at >= w.from && s.at <= w.until));
  const slow = inWindows.filter((s) => (s.done ?? end) - s.at > SLOW_MS);
  await running.stop();
  // Nothing is left hanging: every request sent was answered, the ones sent during the faults too.
  expect(running.sent.filter((s) => s.done === undefined).map((s) => `${s.path} sent ${Math.round(performance.now() - s.at)} ms ago`)).toEqual([]);

  expect(inWindows.length).toBeGreaterThan(100);
  expect(slow.map((s) => `${s.path} ${Math.round((s.done ?? end) - s.at)} ms: ${s.status ?? "pending"} ${s.code ?? ""}`)).toEqual([]);
  // Through the outage every answer was a success or an enveloped 503; never a 500.
  const codes = new Set(running.sent.filter((s) => s.status !== undefined && s.status >= 500).map((s) => `${s.status} ${s.code}`));
  for (const c of codes) expect(c).toMatch(/^503 (database_unavailable|payment_deadline_exceeded|payment_outcome_unknown)$/);
  expect(running.sent.some((s) => s.code === "fetch_failed")).toBe(false);
  await expectBalanced(t);
}, 90_000);
