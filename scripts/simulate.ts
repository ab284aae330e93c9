// `bun run simulate`: the traffic simulator on its own, against DATABASE_URL (lld-backend.md §6).
// Its payments are real rows every server sees. Its live events (ticker, balances) reach the
// servers' SSE clients only over the database: run it and the servers with BROKER=postgres.
import { withDevSecrets } from "@/auth";
import { ConfigError, loadConfig, type Config } from "@/config";
import { createLogger } from "@/core/logger";
import { createSql } from "@/db/client";
import { parseDatabaseUrl } from "@/db/url";
import { migrate } from "@/db/migrate";
import { MIGRATIONS } from "@/db/migrations";
import { closeInfra, createInfra } from "@/app";
import { simulationModule } from "@/simulation";

function readConfig(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) for (const line of err.problems) process.stderr.write(`config: ${line}\n`);
    else process.stderr.write(`simulate: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}

const parsed = readConfig();
const logger = createLogger(parsed.LOG_LEVEL);
// The same development JWT key and API-key pepper as `npm run dev` (from .data/), never logged.
const config = await withDevSecrets(parsed, logger);
const applicationName = `machpay-simulate:${process.pid}`;
const sql = createSql(config.DATABASE_URL, { max: 4, applicationName, logger });
try {
  if (config.MIGRATE_ON_START) await migrate(sql, MIGRATIONS);
} catch (err) {
  process.stderr.write(`simulate: cannot reach or migrate ${parseDatabaseUrl(config.DATABASE_URL).hosts.map((h) => `${h.host}:${h.port}`).join(",")}: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
if (config.BROKER === "memory") {
  logger.warn("BROKER=memory: payments are written to the database, but live events stay in this process; use BROKER=postgres here and on the servers");
}
const infra = await createInfra({ config, sql, logger, applicationName });
const stop = simulationModule(infra).start();

let signals = 0;
const shutdown = async () => {
  if (++signals > 1) process.exit(1);
  await closeInfra(infra, [stop]);
  process.exit(0);
};
process.on("SIGINT", () => void shutdown());
process.on("SIGTERM", () => void shutdown());
