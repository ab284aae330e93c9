import type { Embedder } from "@/registry";
import { indexPending, registryRuntime } from "@/registry";
import type { TestApp } from "../support/app";
import { json } from "../support/http";

// Shared by the registry suites: HTTP calls, a valid registration body, and draining the index queue.

export const VALID_SIGNATURE = "5VERv8NMvzbJMEkV8xnrLkEaWRtSz9CosKDYjCJjBRnbJLgp8uirBgmQpjKhoR4tjF3ZpRzrFmBV6UjKdiSZkQUW";
export const VALID_ADDRESS = "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin";

export interface Answer {
  status: number;
  body: any;
  headers: Headers;
}

export async function call(t: TestApp, method: string, path: string, token?: string, body?: unknown): Promise<Answer> {
  const res = await fetch(t.url + path, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: res.status === 204 ? null : await json(res), headers: res.headers };
}

export const weatherTools = {
  tools: [
    {
      name: "get_current_weather",
      description: "Current conditions at a city",
      inputSchema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
    },
  ],
};

/** A complete, valid registration. */
export function endpointBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: "Weather Now",
    description: "Current weather and forecasts for any city",
    gateway_url: "https://gateway.weather.example/v1/",
    price_atomic: "500",
    service_type: "weather",
    mcp_tool_def: weatherTools,
    ...overrides,
  };
}

export const issueFields = (body: any): string[] => (body?.error?.details?.issues ?? []).map((i: { field: string }) => i.field);

/** Runs indexing passes until the queue has nothing ready; returns the passes' totals. */
export async function drainIndex(t: TestApp, embedder: Embedder = registryRuntime(t.deps).embedder) {
  const ctx = { sql: t.sql, clock: t.deps.clock, log: t.logger, embedder };
  const total = { claimed: 0, embedded: 0, unchanged: 0, failed: 0 };
  for (;;) {
    const pass = await indexPending(ctx);
    if (pass.claimed === 0) return total;
    for (const k of Object.keys(total) as (keyof typeof total)[]) total[k] += pass[k];
    if (pass.failed > 0) return total;
  }
}

/** Polls `check` until it returns a value, or fails after `ms`. */
export async function eventually<T>(check: () => Promise<T | undefined>, ms: number, what: string): Promise<T> {
  const deadline = performance.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await Bun.sleep(10);
  }
}
