import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { Registry } from "prom-client";
import { registerBacklogGauges } from "@/http/backlog-metrics";
import { startTestApp, type TestApp } from "../support/app";
import { createUser } from "../support/fixtures";
import { fund, post } from "../support/ledger";
import { startTestReceiver, type TestReceiver } from "../support/receiver";
import { dashboardMetricNames, parseExposition, promtoolCheck, sampleValue, scrape, waitForSample } from "../support/metrics";

// /metrics as an operator's Prometheus sees it: the output of a running app passes Debian's
// `promtool check metrics` (format and naming lint), the business and health families exist, and
// they move when the thing they count happens. The shipped Grafana dashboard names only metrics
// the app exposes.

const ROOT = path.resolve(import.meta.dir, "../..");
const DASHBOARD = path.join(ROOT, "deploy/grafana/machpay.json");

let t: TestApp;
let receiver: TestReceiver;
beforeAll(async () => {
  t = await startTestApp({ BROKER: "postgres", RATE_LIMIT_AUTH_PER_MINUTE: "1" });
  receiver = await startTestReceiver(t);
});
afterAll(async () => {
  await receiver?.close();
  await t?.close();
});

const FAMILIES = [
  "payments_total",
  "payments_amount_atomic_total",
  "payment_engine_batch_size",
  "payment_engine_commit_duration_seconds",
  "payment_engine_queue_depth",
  "payment_engine_inflight_batches",
  "sse_connections",
  "sse_disconnects_total",
  "broker_delivery_lag_seconds",
  "broker_pending_events",
  "broker_dropped_events_total",
  "worker_backlog_items",
  "worker_backlog_oldest_seconds",
  "worker_backlog_reading_age_seconds",
  "worker_backlog_read_failures_total",
  "rate_limit_refusals_total",
  "http_requests_total",
  "db_pool_connections",
];

describe("/metrics", () => {
  test("the API's and the receiver's output pass promtool check metrics", async () => {
    await promtoolCheck(await scrape(t.url));
    await promtoolCheck(await scrape(receiver.url));
  });

  test("every business and health family is declared", async () => {
    const families = parseExposition(await scrape(t.url)).families;
    expect(FAMILIES.filter((f) => !families.has(f))).toEqual([]);
  });

  test("a payment moves the payments counters, the batch histograms and the payment event backlog", async () => {
    const agent = await createUser(t, { profile: "agent" });
    const vendor = await createUser(t, { profile: "vendor" });
    await fund(t, agent.id, 10_000n);
    const before = await scrape(t.url);
    const paid = { source: "api", outcome: "paid" };
    const refused = { source: "api", outcome: "insufficient_funds" };

    expect((await post(t, "/v1/agent/pay", agent.token, { to: vendor.id.toString(), amount_atomic: "1500" })).status).toBe(201);
    const short = await post(t, "/v1/agent/pay", agent.token, { to: vendor.id.toString(), amount_atomic: "900000" });
    expect(short.body.error.code).toBe("insufficient_funds");
    const after = await scrape(t.url);

    expect(sampleValue(after, "payments_total", paid) - sampleValue(before, "payments_total", paid)).toBe(1);
    expect(sampleValue(after, "payments_amount_atomic_total", paid) - sampleValue(before, "payments_amount_atomic_total", paid)).toBe(1500);
    expect(sampleValue(after, "payments_total", refused) - sampleValue(before, "payments_total", refused)).toBe(1);
    expect(sampleValue(after, "payments_amount_atomic_total", refused) - sampleValue(before, "payments_amount_atomic_total", refused)).toBe(900000);
    expect(sampleValue(after, "payment_engine_batch_size_count") - sampleValue(before, "payment_engine_batch_size_count")).toBe(2);
    expect(sampleValue(after, "payment_engine_commit_duration_seconds_count") - sampleValue(before, "payment_engine_commit_duration_seconds_count")).toBe(2);
    // This app runs no relay (the harness starts no background job): the batch waits, and is counted.
    // (Backlogs are read at most once a second: scraped until the reading is newer than the payment.)
    await waitForSample(t.url, "worker_backlog_items", { worker: "payment_events" }, (v) => v >= 1);
    expect(sampleValue(await scrape(t.url), "worker_backlog_items", { worker: "settlement" })).toBe(0);
  });

  test("a backlog probe the database does not answer never holds a scrape: the last values are served, the reading fails on its statement timeout", async () => {
    const registry = new Registry();
    registerBacklogGauges(registry, t.sql, [{ worker: "stuck", read: async (sql) => (await sql`SELECT pg_sleep(30)`, { items: 1, oldestSeconds: 1 }) }]);
    // Answers (without the stuck worker) while the probe is still sleeping in the database.
    const text = await registry.metrics();
    expect(text).toContain("worker_backlog_reading_age_seconds");
    expect(sampleValue(text, "worker_backlog_items", { worker: "stuck" })).toBe(0);
    expect(text).not.toContain('worker="stuck"');
    // The statement timeout (2 s) ends the sleep: counted as a failed reading.
    for (let i = 0; i < 100 && sampleValue(await registry.metrics(), "worker_backlog_read_failures_total") === 0; i++) await Bun.sleep(50);
    expect(sampleValue(await registry.metrics(), "worker_backlog_read_failures_total")).toBe(1);
  });

  test("an SSE stream shows under its topic kind, and its end is counted by reason", async () => {
    const before = await scrape(t.url);
    const aborter = new AbortController();
    const res = await fetch(`${t.url}/v1/events?topics=ticker`, { signal: aborter.signal });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toContain("event: connected");
    expect(sampleValue(await scrape(t.url), "sse_connections", { topic: "ticker" })).toBe(1);
    aborter.abort();
    await reader.cancel().catch(() => {});
    const closed = sampleValue(before, "sse_disconnects_total", { reason: "client_closed" });
    await waitForSample(t.url, "sse_disconnects_total", { reason: "client_closed" }, (v) => v === closed + 1);
    expect(sampleValue(await scrape(t.url), "sse_connections", { topic: "ticker" })).toBe(0);
  });

  test("the postgres broker's delivery lag is observed for each NOTIFY it hears", async () => {
    const seen = sampleValue(await scrape(t.url), "broker_delivery_lag_seconds_count");
    await t.deps.broker.publishNow([{ topic: "stats", type: "metrics-test", data: {} }]);
    await waitForSample(t.url, "broker_delivery_lag_seconds_count", {}, (v) => v >= seen + 1);
  });

  test("a rate-limit refusal is counted under its scope", async () => {
    const before = sampleValue(await scrape(t.url), "rate_limit_refusals_total", { scope: "auth-ip" });
    const statuses: number[] = [];
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${t.url}/v1/auth/challenge`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
      await res.body?.cancel();
      statuses.push(res.status);
    }
    expect(statuses[1]).toBe(429);
    expect(sampleValue(await scrape(t.url), "rate_limit_refusals_total", { scope: "auth-ip" })).toBe(before + 1);
  });

  test("the Grafana dashboard's PromQL names only metrics the API or the receiver exposes", async () => {
    const dashboard = JSON.parse(readFileSync(DASHBOARD, "utf8"));
    const names = dashboardMetricNames(dashboard);
    expect(names.length).toBeGreaterThan(15);
    const api = parseExposition(await scrape(t.url));
    const rec = parseExposition(await scrape(receiver.url));
    // A family with labels and no sample yet (mcp_requests_total before any call) shows only its # TYPE line.
    const exposed = new Set([...api.samples, ...api.families, ...rec.samples, ...rec.families]);
    expect(names.filter((n) => !exposed.has(n) && !exposed.has(n.replace(/_(bucket|sum|count)$/, "")))).toEqual([]);
  });

  test("the observability compose profile: promtool accepts Prometheus's config, which scrapes the API and the receiver; Grafana mounts the dashboard", async () => {
    const config = Bun.spawnSync(["promtool", "check", "config", path.join(ROOT, "deploy/prometheus/prometheus.yml")], { stdout: "pipe", stderr: "pipe" });
    expect({ code: config.exitCode, err: config.stderr.toString() }).toEqual({ code: 0, err: "" });
    const prometheus = parseYaml(readFileSync(path.join(ROOT, "deploy/prometheus/prometheus.yml"), "utf8"));
    const targets = prometheus.scrape_configs.flatMap((s: { static_configs: { targets: string[] }[] }) => s.static_configs.flatMap((c) => c.targets));
    expect(targets.sort()).toEqual(["api:8081", "receiver:8082"]);
    const compose = parseYaml(readFileSync(path.join(ROOT, "docker-compose.yml"), "utf8"));
    for (const name of ["receiver", "prometheus", "grafana"]) expect(compose.services[name].profiles).toEqual(["observability"]);
    expect(compose.services.api.profiles).toBeUndefined();
    expect(compose.services.receiver.environment.RECEIVER_PORT).toBe("8082");
    for (const volume of [...compose.services.prometheus.volumes, ...compose.services.grafana.volumes]) {
      expect(existsSync(path.join(ROOT, volume.split(":")[0]))).toBe(true);
    }
  });
});
