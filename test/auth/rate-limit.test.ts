import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { manualClock } from "@/core/clock";
import { startTestApp, type TestApp } from "../support/app";
import { json } from "../support/http";

// /v1/auth/* is limited per client IP, counted in PostgreSQL so that instances share the count.
const clock = manualClock(new Date("2026-11-25T12:00:05Z"));
let a: TestApp;
let b: TestApp;
let proxied: TestApp;
beforeAll(async () => {
  a = await startTestApp({ RATE_LIMIT_AUTH_PER_MINUTE: "3" }, { clock });
  b = await startTestApp({ RATE_LIMIT_AUTH_PER_MINUTE: "3" }, { clock, db: a.db });
  proxied = await startTestApp({ RATE_LIMIT_AUTH_PER_MINUTE: "3", TRUST_PROXY: "true" }, { clock });
});
afterAll(async () => {
  await proxied.close();
  await b.close();
  await a.close();
});

const refresh = (t: TestApp, headers: Record<string, string> = {}) =>
  fetch(t.url + "/v1/auth/refresh", {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ refresh_token: "mp_rt_unknown" }),
  });

describe("auth rate limit", () => {
  test("counts down in X-RateLimit-* headers, then answers 429 with Retry-After, shared by every instance", async () => {
    await a.sql`DELETE FROM rate_limit_counters`;
    const first = await refresh(a);
    expect(first.status).toBe(401);
    expect(first.headers.get("x-ratelimit-limit")).toBe("3");
    expect(first.headers.get("x-ratelimit-remaining")).toBe("2");
    expect(Number(first.headers.get("x-ratelimit-reset"))).toBe(Math.floor(Date.parse("2026-11-25T12:01:00Z") / 1000));
    expect((await refresh(b)).headers.get("x-ratelimit-remaining")).toBe("1");
    expect((await refresh(a)).headers.get("x-ratelimit-remaining")).toBe("0");
    const limited = await refresh(b);
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("55");
    expect(limited.headers.get("x-ratelimit-remaining")).toBe("0");
    const body = await json(limited);
    expect(body.error.code).toBe("rate_limited");
    // Other routes are not limited, and the next window starts afresh.
    expect((await fetch(a.url + "/health")).status).toBe(200);
    clock.advance(60_000);
    expect((await refresh(a)).status).toBe(401);
  });

  test("X-Forwarded-For is ignored unless TRUST_PROXY is set", async () => {
    await a.sql`DELETE FROM rate_limit_counters`;
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await refresh(a, { "x-forwarded-for": `10.0.0.${i}` })).status);
    expect(statuses).toEqual([401, 401, 401, 429]);
  });

  test("behind a trusted proxy the last X-Forwarded-For entry is the client", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await refresh(proxied, { "x-forwarded-for": `1.2.3.4, 10.0.0.${i}` })).status);
    expect(statuses).toEqual([401, 401, 401, 401]);
    for (let i = 0; i < 3; i++) await refresh(proxied, { "x-forwarded-for": "10.9.9.9" });
    // The spoofable first entry does not help the client: the proxy's entry decides.
    expect((await refresh(proxied, { "x-forwarded-for": "8.8.8.8, 10.9.9.9" })).status).toBe(429);
  });

  // Found by the fuzzer: a 10k-character entry became the counter's key (VARCHAR(300)) and
  // answered 500. An entry that is no IP address is not our proxy's: the socket's address counts.
  test("behind a trusted proxy an X-Forwarded-For entry that is not an IP address counts as the socket's address", async () => {
    await proxied.sql`DELETE FROM rate_limit_counters`;
    const statuses: number[] = [];
    for (const forwarded of ["x".repeat(10_000), "garbage", "10.0.0.1, 999.999.999.999"]) statuses.push((await refresh(proxied, { "x-forwarded-for": forwarded })).status);
    expect(statuses).toEqual([401, 401, 401]);
    expect((await refresh(proxied)).status).toBe(429);
    const keys = await proxied.sql<{ key: string }[]>`SELECT DISTINCT key FROM rate_limit_counters`;
    expect(keys.map((k) => k.key)).toEqual(["127.0.0.1"]);
  });
});
