// Traffic simulation (lld-backend.md §6): a catalogue of services, real transactions (the ticker) and balances loops.
import type { Module, Runs } from "@/http/module";
import type { SimulationDeps } from "./deps";
import { DEFAULT_SIMULATION, runSimulator, type SimulationOptions } from "./simulator";
import { createIngest, startPartitionMaintenance } from "@/telemetry";

export { DEFAULT_SIMULATION, runSimulator, type SimulationOptions } from "./simulator";

/** Starts the simulator inside this process; returns its stop function. */
export function startSimulation(deps: SimulationDeps, options: Partial<SimulationOptions> = {}): () => Promise<void> {
  const log = deps.logger.child({ component: "simulation" });
  const ctx = { sql: deps.sql, actor: { kind: "simulator" } as const, clock: deps.clock, log };
  let stopped = false;
  // The receiver's ingest path in process: the same validation, queue and writer as POST /v1/ingest,
  // and the partitions it writes to (`npm run dev` runs no receiver).
  const ingest = createIngest(deps);
  const stopMaintenance = startPartitionMaintenance(deps);
  const running = runSimulator(
    { ctx, broker: deps.broker, payments: deps.payments, tokenMint: deps.config.USDC_MINT, ingest, registry: deps },
    { ...DEFAULT_SIMULATION, ...options },
  ).catch((err) => {
    log.error("simulation could not start", { err });
    return async () => {};
  });
  return async () => {
    if (stopped) return;
    stopped = true;
    await (await running)();
    // What the feed queued is written before the pool closes.
    await ingest.drain(2000);
    await stopMaintenance();
  };
}

/** The traffic simulator (ENABLE_SIMULATION): no routes, one background job. */
export function simulationModule(deps: SimulationDeps, options: Partial<SimulationOptions> = {}): Module & Runs {
  return { start: () => startSimulation(deps, options) };
}

export type { SimulationDeps } from "./deps";
