import { parseConfig, type Config, type ConfigInput } from "@/config";
import type { Clock } from "@/core/clock";
import { unixSeconds } from "@/core/clock";
import { createLogger } from "@/core/logger";
import { createSql, type Sql } from "@/db/client";
import { buildReceiverDocument, createReceiverApp, createReceiverInfra, startReceiver, type BuiltReceiver, type ReceiverInfra } from "@/app";
import { runMaintenance } from "@/telemetry";
import type { TestApp } from "./app";
import { checkAnswers } from "./schema/app-check";
import type { ResponseDocument } from "./schema/checker";
import type { TestWallet } from "./solana-keys";

// The telemetry receiver, as its own app on a random port, over a test app's database: the API
// (the test app) mints users, keys and device links; gateways and SDKs post to the receiver. It
// shares the API's secrets (the test pepper lives in memory) and, by default, its clock.

export interface TestReceiver {
  url: string;
  config: Config;
  sql: Sql;
  infra: ReceiverInfra;
  built: BuiltReceiver;
  /** JSON log lines the receiver wrote, parsed. */
  logs: Record<string, unknown>[];
  /** POSTs a body (an object is sent as JSON) with the given Authorization header. */
  post(path: string, body: unknown, authorization?: string, headers?: Record<string, string>): Promise<Response>;
  /** Resolves once everything accepted so far is written (or fails after 10 s). */
  flushed(): Promise<void>;
  close(): Promise<void>;
}

export async function startTestReceiver(t: TestApp, env: ConfigInput = {}, options: { clock?: Clock; databaseUrl?: string } = {}): Promise<TestReceiver> {
  const config = parseConfig({
    NODE_ENV: "test",
    LOG_LEVEL: "info",
    HOST: "127.0.0.1",
    RECEIVER_PORT: "0",
    RECEIVER_FLUSH_INTERVAL_MS: "20",
    DB_POOL_MAX: "4",
    ...env,
    DATABASE_URL: options.databaseUrl ?? t.config.DATABASE_URL,
  });
  const logs: Record<string, unknown>[] = [];
  const logger = createLogger(config.LOG_LEVEL, {}, (line) => logs.push(JSON.parse(line)));
  const applicationName = `machpay-test-receiver:${t.db.name}`;
  const sql = createSql(config.DATABASE_URL, { max: config.DB_POOL_MAX, applicationName, logger });
  const infra = createReceiverInfra({ config, sql, logger, applicationName }, { clock: options.clock ?? t.deps.clock, secrets: t.deps.secrets });
  // The template database may be days old: today's partitions first, as the receiver's job does at start.
  await runMaintenance(infra);
  const built = createReceiverApp(infra);
  // Every JSON answer checked against the receiver's own document, as the API's are against openapi.yaml.
  // SAFETY: the document zod-openapi builds is the OpenAPI object the checker reads.
  const answers = checkAnswers(built.app, () => buildReceiverDocument(built.app) as unknown as ResponseDocument);
  const running = startReceiver(infra, built, { port: 0, hostname: "127.0.0.1", maintenance: false });
  const url = running.server.url;
  return {
    url,
    config,
    sql,
    infra,
    built,
    logs,
    post: (path, body, authorization, headers = {}) =>
      fetch(url + path, {
        method: "POST",
        headers: { "content-type": "application/json", ...(authorization ? { authorization } : {}), ...headers },
        body: typeof body === "string" ? body : JSON.stringify(body),
      }),
    async flushed() {
      const deadline = Date.now() + 10_000;
      while (built.telemetry.ingest.queue.depth().events > 0) {
        if (Date.now() > deadline) throw new Error(`receiver queue still holds ${built.telemetry.ingest.queue.depth().events} events after 10 s`);
        await Bun.sleep(10);
      }
    },
    async close() {
      await running.stop(2000);
      const untaken = answers.untaken();
      if (untaken.length > 0) throw new Error(`receiver answers that break openapi-receiver.yaml, seen by no test's fetch:\n${untaken.join("\n")}`);
    },
  };
}

/**
 * The Authorization header of a device-signed ingest request, written out here rather than taken
 * from src/ so that a change of the signed text fails the tests.
 */
export async function ingestAuthorization(device: TestWallet, path: string, body: string, timestamp = Math.floor(Date.now() / 1000), method = "POST") {
  const digest = new Bun.CryptoHasher("sha256").update(body).digest("hex");
  const signature = await device.signBase58(`machpay-ingest:${method}:${path}:${timestamp}:${digest}`);
  return `Ingest ${device.address}:${timestamp}:${signature}`;
}

/** Signs and posts `body` as `device` (its JSON text is what is signed). */
export async function postSigned(r: TestReceiver, path: string, body: unknown, device: TestWallet, clock?: Clock) {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  const ts = clock ? unixSeconds(clock.now()) : undefined;
  return r.post(path, text, await ingestAuthorization(device, path, text, ts));
}
