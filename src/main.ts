import { ConfigError, loadConfig, type Config } from "./config";
import { createLogger } from "./core/logger";
import { describeListenError } from "./core/listen-error";
import { createSql } from "./db/client";
import { migrate } from "./db/migrate";
import { MIGRATIONS } from "./db/migrations";
import { createApp, createInfra, startApp, type Background, type BuiltApp, type Infra, type RunningApp } from "./app";
import { withDevSecrets } from "./auth";

// The process: parse config, migrate, hand everything to the composition root (src/app/), and
// shut down in its order on SIGTERM/SIGINT (a second signal forces the exit).

function readConfig(): Config {
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

/** The app started, or one line naming the cause and the variable to change (a taken PORT), and exit 1. */
function listen(infra: Infra, built: BuiltApp, background: Background): RunningApp {
  const { config } = infra;
  try {
    return startApp(infra, built, { port: config.PORT, hostname: config.HOST, background });
  } catch (err) {
    const line = describeListenError(err, { who: "server", port: config.PORT, host: config.HOST, portVariable: "PORT", hostVariable: "HOST" });
    if (line === undefined) throw err;
    process.stderr.write(`${line}\n`);
    process.exit(1);
  }
}

async function main() {
  const parsed = readConfig();
  const logger = createLogger(parsed.LOG_LEVEL);
  const config = await withDevSecrets(parsed, logger);
  const applicationName = `machpay-backend:${process.pid}`;
  const sql = createSql(config.DATABASE_URL, { max: config.DB_POOL_MAX, applicationName, logger });

  if (config.MIGRATE_ON_START) {
    const { applied } = await migrate(sql, MIGRATIONS);
    if (applied.length > 0) logger.info("migrations applied", { applied });
  }

  const infra = await createInfra({ config, sql, logger, applicationName });
  if (config.ENABLE_SIMULATION) logger.info("ENABLE_SIMULATION=true: starting the traffic simulator");
  // startApp listens before any job starts: a taken port stops the start with nothing running.
  const running = listen(infra, createApp(infra), { core: true, workers: config.ENABLE_WORKERS, simulation: config.ENABLE_SIMULATION });
  logger.info("listening", { url: running.server.url, env: config.NODE_ENV });

  // A throw from a library's socket callback (postgres.js's porsager/postgres#1066, patched here)
  // must not take the whole API down with it: logged, and the request it belonged to fails alone.
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
    await running.stop(config.SHUTDOWN_TIMEOUT_MS);
    logger.info("stopped");
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}

main().catch((err) => {
  process.stderr.write(`fatal: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
