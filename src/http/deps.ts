import type { Config } from "@/config";
import type { Logger } from "@/core/logger";
import type { Sql } from "@/db/client";

/** Long-lived dependencies built once by main.ts (or a test harness) and handed to createApp. */
export interface AppDeps {
  config: Config;
  sql: Sql;
  logger: Logger;
  /** application_name this instance's connections carry (metrics read pool usage by it). */
  applicationName: string;
}
