// Fault run: PostgreSQL restarted (fast, then immediate) and its postmaster killed with -9 under
// load, several cycles, on a private cluster (never the machine's own); then every unanswered
// payment replayed with its Idempotency-Key and the ledger checked. Prints the conditions, the
// figures and the verdict; exits 1 when a condition fails.
// Run: bun run chaos:pg  (CHAOS_CYCLES, CHAOS_PG_DOWN_SECONDS, CHAOS_PAUSE_SECONDS, ...: scripts/lib/chaos.ts)
import { chaosSettings, runChaos } from "./lib/chaos";

const settings = chaosSettings({ cycles: 2, pauseSeconds: 6 });
// How long PostgreSQL stays down after its kill -9: payments queue meanwhile.
const downSeconds = Number(process.env.CHAOS_PG_DOWN_SECONDS ?? 2);
const CYCLE = ["restart -m fast", "restart -m immediate", `kill -9 postmaster, start after ${downSeconds} s`];

const timed = async (step: () => Promise<void>) => {
  const t0 = performance.now();
  await step();
  return `${((performance.now() - t0) / 1000).toFixed(2)} s`;
};

const ok = await runChaos({
  name: "chaos-pg",
  settings,
  faults: Array.from({ length: settings.cycles }, () => CYCLE).flat(),
  describeFaults: `${settings.cycles} cycles of [${CYCLE.join("; ")}]`,
  async inject(fault, { pg }) {
    if (fault === CYCLE[2]) {
      await pg.kill9();
      await Bun.sleep(downSeconds * 1000);
      return `start ${await timed(() => pg.start())}`;
    }
    const stop = await timed(() => pg.stop(fault === CYCLE[0] ? "fast" : "immediate"));
    return `stop ${stop}, start ${await timed(() => pg.start())}`;
  },
});
process.exit(ok ? 0 : 1);
