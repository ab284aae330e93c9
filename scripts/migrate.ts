// Applies pending migrations to DATABASE_URL (scripts/setup calls this).
import { ConfigError, loadConfig } from "@/config";
import { createSql } from "@/db/client";
import { migrate } from "@/db/migrate";
import { MIGRATIONS } from "@/db/migrations";

try {
  const config = loadConfig();
  const sql = createSql(config.DATABASE_URL, { max: 1, applicationName: "machpay-migrate" });
  try {
    const { applied } = await migrate(sql, MIGRATIONS);
    if (applied.length > 0) console.log(`migrate: applied ${applied.join(", ")}`);
  } finally {
    await sql.end({ timeout: 5 });
  }
} catch (err) {
  if (err instanceof ConfigError) for (const line of err.problems) console.error(`config: ${line}`);
  else console.error(`migrate: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
