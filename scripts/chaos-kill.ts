// Fault run: kill -9 of the API server under load, restarted at once on the same port, several
// times; then every unanswered payment replayed with its Idempotency-Key and the ledger checked.
// Prints the conditions, the figures and the verdict; exits 1 when a condition fails.
// Run: bun run chaos:kill  (CHAOS_CYCLES, CHAOS_PAUSE_SECONDS, CHAOS_CLIENTS, CHAOS_TIMEOUT_MS, ...: scripts/lib/chaos.ts)
import { chaosSettings, runChaos } from "./lib/chaos";

const settings = chaosSettings({ cycles: 3, pauseSeconds: 6 });
const ok = await runChaos({
  name: "chaos-kill",
  settings,
  faults: Array.from({ length: settings.cycles }, () => "kill -9 server + restart"),
  describeFaults: `${settings.cycles} x kill -9 of the server, restarted at once`,
  async inject(_fault, ctx) {
    await ctx.killServer();
    await ctx.startServer();
  },
});
process.exit(ok ? 0 : 1);
