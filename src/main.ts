import { createLogger } from "./core/logger";
import { createSql } from "./db/client";
import { migrate } from "./db/migrate";
import { MIGRATIONS } from "./db/migrations";
import { createApp, createInfra, listenOrExit, readConfigOrExit, runUntilSignalled, startApp, type Background, type BuiltApp, type Infra, type RunningApp } from "./app";
import { withDevSecrets } from "./auth";
import { runReceiver } from "./receiver";

// The process: parse config, migrate, hand everything to the composition root (src/app/), and
// shut down in its order on SIGTERM/SIGINT (a second signal forces the exit). `main.ts receiver`
// runs the telemetry receiver instead (src/receiver.ts), so one build runs either.

/** The app started, or one line naming the cause and the variable to change (a taken PORT), and exit 1. */
function listen(infra: Infra, built: BuiltApp, background: Background): RunningApp {
  const { config } = infra;
  return listenOrExit(() => startApp(infra, built, { port: config.PORT, hostname: config.HOST, background }), {
    who: "server",
    port: config.PORT,
    host: config.HOST,
    portVariable: "PORT",
    hostVariable: "HOST",
  });
}

async function main() {
  const parsed = readConfigOrExit();
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
  runUntilSignalled(logger, () => running.stop(config.SHUTDOWN_TIMEOUT_MS));
}

(process.argv[2] === "receiver" ? runReceiver() : main()).catch((err) => {
  process.stderr.write(`fatal: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
