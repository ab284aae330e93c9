import { ConfigError, loadConfig, type Config } from "@/config";
import { describeListenError, type ListenTarget } from "@/core/listen-error";
import type { Logger } from "@/core/logger";

// What every server process of this codebase does around its composition root (the API in
// main.ts, the receiver in receiver.ts): read the environment or stop with one line per bad
// variable, listen or stop with one line naming the port's variable, and shut down in order on
// SIGTERM/SIGINT (a second, deliberate signal forces the exit).

export function readConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      for (const line of err.problems) process.stderr.write(`config: ${line}\n`);
      process.exit(1);
    }
    throw err;
  }
}

/** `start()`'s result, or one line naming the cause and the variable to change (a taken port), and exit 1. */
export function listenOrExit<T>(start: () => T, target: ListenTarget): T {
  try {
    return start();
  } catch (err) {
    const line = describeListenError(err, target);
    if (line === undefined) throw err;
    process.stderr.write(`${line}\n`);
    process.exit(1);
  }
}

/** Logs what a library's socket callback throws instead of dying of it, and stops in order on a signal. */
export function runUntilSignalled(logger: Logger, stop: () => Promise<void>): void {
  // A throw from a library's socket callback (postgres.js's porsager/postgres#1066, patched here)
  // must not take the whole server down with it: logged, and the request it belonged to fails alone.
  process.on("uncaughtException", (err) => logger.error("uncaught exception", { err }));
  process.on("unhandledRejection", (err) => logger.error("unhandled rejection", { err }));

  let firstSignalAt: number | undefined;
  const shutdown = async (signal: string) => {
    if (firstSignalAt !== undefined) {
      // A process group often delivers one signal twice at once (npm, the shell and timeout all
      // forward it); only a deliberate second signal, a moment later, forces the exit.
      if (Date.now() - firstSignalAt < 1000) return;
      logger.warn("second signal: exiting now", { signal });
      process.exit(1);
    }
    firstSignalAt = Date.now();
    logger.info("shutting down", { signal });
    await stop();
    logger.info("stopped");
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}
