import { createLogger } from "./core/logger";
import { createSql } from "./db/client";
import { migrate } from "./db/migrate";
import { MIGRATIONS } from "./db/migrations";
import { createReceiverApp, createReceiverInfra, listenOrExit, readConfigOrExit, runUntilSignalled, startReceiver } from "./app";
import { withDevSecrets } from "./auth";

// The telemetry receiver's process (`bun run receiver`, or `machpay-api receiver` from the one
// binary): gateways and agent SDKs post here (RECEIVER_PORT), the API's dashboards read what it
// writes. Same configuration as the API; it runs the partition worker. Migrates on start like the
// API (MIGRATE_ON_START; the runner's advisory lock lets both, and replicas, do so at once).

export async function runReceiver(): Promise<void> {
  const parsed = readConfigOrExit();
  const logger = createLogger(parsed.LOG_LEVEL, { process: "receiver" });
  // The API's key pepper: in development both read .data/dev-secrets.json, so keys verify here too.
  const config = await withDevSecrets(parsed, logger);
  const applicationName = `machpay-receiver:${process.pid}`;
  const sql = createSql(config.DATABASE_URL, { max: config.DB_POOL_MAX, applicationName, logger });

  if (config.MIGRATE_ON_START) {
    const { applied } = await migrate(sql, MIGRATIONS);
    if (applied.length > 0) logger.info("migrations applied", { applied });
  }

  const infra = createReceiverInfra({ config, sql, logger, applicationName });
  const running = listenOrExit(() => startReceiver(infra, createReceiverApp(infra), { port: config.RECEIVER_PORT, hostname: config.HOST, maintenance: true }), {
    who: "receiver",
    port: config.RECEIVER_PORT,
    host: config.HOST,
    portVariable: "RECEIVER_PORT",
    hostVariable: "HOST",
  });
  logger.info("listening", { url: running.server.url, env: config.NODE_ENV });
  runUntilSignalled(logger, () => running.stop(config.SHUTDOWN_TIMEOUT_MS));
}

if (import.meta.main) {
  runReceiver().catch((err) => {
    process.stderr.write(`fatal: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
