import type { Stop } from "@/http/module";
import { serve, type RunningServer } from "@/http/serve";
import type { BuiltApp } from "./app";
import type { Infra } from "./infra";

// The composition root's second half: what runs, in which order it starts, and the one shutdown
// order that main.ts, the simulator and the test harness all use.

export interface Background {
  /** Realtime's stats loop and notification relay, and the API keys' last-used batcher: every server runs them. */
  core: boolean;
  /** The registry, chain, notification and telemetry rollup workers (ENABLE_WORKERS). */
  workers: boolean;
  /** The traffic simulator (ENABLE_SIMULATION). */
  simulation: boolean;
}

export interface RunningApp {
  server: RunningServer;
  /** Stops everything in order; idempotent. */
  stop(graceMs: number): Promise<void>;
}

/**
 * Listens first (a taken port stops the start with nothing running; `serve` throws), then starts
 * the background jobs the options ask for.
 */
export function startApp(infra: Infra, built: BuiltApp, options: { port: number; hostname: string; background: Background }): RunningApp {
  const server = serve(built, { port: options.port, hostname: options.hostname, logger: infra.logger });
  const { modules } = built;
  const { core, workers, simulation } = options.background;
  // Realtime's stop ends the SSE streams, so it runs before the server waits for in-flight requests.
  const realtime: Stop | undefined = core ? modules.realtime.start() : undefined;
  const jobs: Stop[] = [];
  if (core) jobs.push(modules.auth.start());
  if (workers) jobs.push(modules.registry.start(), modules.chain.start(), modules.notifications.start(), modules.telemetryRollups.start());
  if (simulation) jobs.push(modules.simulation.start());

  let stopping: Promise<void> | undefined;
  return {
    server,
    stop: (graceMs) => (stopping ??= shutdown(infra, server, realtime, jobs, graceMs)),
  };
}

/**
 * Stop accepting and end the streams, let in-flight requests finish, let the payment engine
 * answer what it holds, stop the background jobs (each finishes its pass), then close what they
 * all used: mail, broker, the readiness connection, the replica's pool and the pool last.
 */
async function shutdown(infra: Infra, server: RunningServer, realtime: Stop | undefined, jobs: Stop[], graceMs: number): Promise<void> {
  await server.stop(graceMs, realtime);
  await closeInfra(infra, jobs);
}

/**
 * The part of the order after the server (a process without one, the standalone simulator, starts
 * here): the engine answers what it holds, the jobs finish their pass, then the shared resources close.
 */
export async function closeInfra(infra: Infra, jobs: Stop[] = []): Promise<void> {
  await infra.payments.drain();
  await infra.intentVerifier.close();
  await Promise.all(jobs.map((stop) => stop()));
  // Flushed even when the auth job never ran (a test harness): no key usage is lost.
  await infra.keyUsage.stop();
  infra.mailer.close();
  await infra.broker.close();
  await infra.readiness.close();
  await infra.reads.close();
  await infra.sql.end({ timeout: 5 });
}
