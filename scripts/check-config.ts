// Parses the environment as the server will, printing one `config:` line per bad variable and
// exiting 1; silent when all is well. scripts/setup runs it before any database work, so that a
// bad setting is the only thing `npm run dev` or `npm start` says.
import { ConfigError, loadConfig } from "@/config";

try {
  loadConfig();
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  for (const line of err.problems) console.error(`config: ${line}`);
  process.exit(1);
}
