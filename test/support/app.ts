import { parseConfig, type Config, type ConfigInput } from "@/config";
import { createLogger, type Logger } from "@/core/logger";
import { createSql, type Sql } from "@/db/client";
import { createApp, createInfra, documentOptions, startApp, type BuiltApp, type Infra, type InfraOverrides } from "@/app";
import type { RunningServer } from "@/http/serve";
import { createApiClient, type ApiClient } from "@machpay/sdk";
import { buildOpenApiDocument } from "@/http/openapi";
import { createTestDatabase, type TestDatabase } from "./db";
import { checkAnswers, type AnswerChecks } from "./schema/app-check";
import type { ResponseDocument } from "./schema/checker";

export const TEST_ADMIN_TOKEN = "test-admin-token-0123456789abcdef";
export const TEST_RECON_SECRET = "test-recon-secret-0123456789";

export interface TestApp {
  url: string;
  config: Config;
  sql: Sql;
  db: TestDatabase;
  built: BuiltApp;
  deps: Infra;
  server: RunningServer;
  /** JSON log lines the app wrote, parsed. */
  logs: Record<string, unknown>[];
  logger: Logger;
  /** Every JSON answer checked against the served document (schema/); close() fails on a violation no test saw. */
  answers: AnswerChecks;
  client(token?: string): ApiClient;
  close(): Promise<void>;
}

/**
 * The real app on a random port over its own fresh database. Config is passed in, never read
 * from process.env: tests override what they need through `env`.
 */
export async function startTestApp(env: ConfigInput = {}, options: { db?: TestDatabase } & InfraOverrides = {}): Promise<TestApp> {
  const db = options.db ?? (await createTestDatabase());
  const config = parseConfig({
    NODE_ENV: "test",
    LOG_LEVEL: "info",
    PORT: "0",
    HOST: "127.0.0.1",
    ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    RECON_WEBHOOK_SECRET: TEST_RECON_SECRET,
    ...env,
    DATABASE_URL: env.DATABASE_URL ?? db.url,
  });
  const logs: Record<string, unknown>[] = [];
  const logger = createLogger(config.LOG_LEVEL, {}, (line) => logs.push(JSON.parse(line)));
  const applicationName = `machpay-test:${db.name}`;
  const sql = createSql(config.DATABASE_URL, { max: config.DB_POOL_MAX, applicationName, logger });
  const { db: _db, ...overrides } = options;
  const deps = await createInfra({ config, sql, logger, applicationName }, overrides);
  const built = createApp(deps);
  // SAFETY: the document zod-openapi builds is the OpenAPI object the checker reads (paths, components).
  const answers = checkAnswers(built.app, () => buildOpenApiDocument(built.app, documentOptions(config)) as unknown as ResponseDocument);
  // The same root as main.ts, without background jobs: tests start the ones they exercise.
  const running = startApp(deps, built, { port: 0, hostname: "127.0.0.1", background: { core: false, workers: false, simulation: false } });
  const server = running.server;
  return {
    url: server.url,
    config,
    sql,
    db,
    built,
    deps,
    server,
    logs,
    logger,
    answers,
    client: (token) => createApiClient(server.url, token),
    async close() {
      await running.stop(2000);
      if (!options.db) await db.drop();
      const untaken = answers.untaken();
      if (untaken.length > 0) throw new Error(`answers that break the OpenAPI document, seen by no test's fetch:\n${untaken.join("\n")}`);
    },
  };
}
