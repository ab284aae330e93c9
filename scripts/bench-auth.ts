// Cost of authentication per request: an access JWT (EdDSA verify + user lookup) versus an API key
// (HMAC + one indexed lookup), on GET /v1/me, which does nothing else. Run: bun run scripts/bench-auth.ts
import os from "node:os";
import { createSecrets, createTokenService, generateSigningJwk, issueSession, type UserRow } from "@/auth";
import { parseConfig } from "@/config";
import { systemClock } from "@/core/clock";
import { randomBase62 } from "@/core/ids";
import { createLogger } from "@/core/logger";
import { closedLoop, fmt, freshDatabase, startServer } from "./lib/bench";
import { parseDatabaseUrl } from "@/db/url";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);

const db = await freshDatabase("machpay_bench_auth");
const jwk = await generateSigningJwk();
const pepper = randomBase62(40);
const env = { DATABASE_URL: db.url, JWT_PRIVATE_KEY: JSON.stringify(jwk), API_KEY_PEPPER: pepper, NODE_ENV: "production", DB_POOL_MAX: "10" };
const config = parseConfig(env);
const logger = createLogger("silent");

const [user] = await db.sql<UserRow[]>`
  INSERT INTO users (email, role) VALUES ('bench@example.test', 'architect')
  RETURNING id, email, wallet_address, google_sub, name, role, status, created_at`;
const tokens = await createTokenService(config, systemClock, logger);
const session = await issueSession(
  { sql: db.sql, actor: { kind: "system", job: "bench" }, clock: systemClock, log: logger, tokens, accessTtlSeconds: 3600, refreshTtlSeconds: 3600 },
  user!,
);
const apiKey = `mp_sk_live_${randomBase62(32)}`;
await db.sql`
  INSERT INTO api_keys (user_id, kind, name, prefix, hash, permissions)
  VALUES (${user!.id}, 'agent', 'bench', ${apiKey.slice(0, 15)}, ${createSecrets(config, logger).hmac(apiKey)}, 'read,write')`;

// In-process cost of the two checks alone, without HTTP.
const N = 5000;
let t0 = performance.now();
for (let i = 0; i < N; i++) await tokens.verify(session.token);
const verifyUs = ((performance.now() - t0) * 1000) / N;
const secrets = createSecrets(config, logger);
t0 = performance.now();
for (let i = 0; i < N; i++) secrets.hmac(apiKey);
const hmacUs = ((performance.now() - t0) * 1000) / N;

const server = await startServer(env);
const me = (credential: string) => () => fetch(server.url + "/v1/me", { headers: { authorization: `Bearer ${credential}` } });
// Warm up both paths (connections, JIT).
await closedLoop(me(session.token), CONCURRENCY, 1);
await closedLoop(me(apiKey), CONCURRENCY, 1);
const none = await closedLoop(() => fetch(server.url + "/health"), CONCURRENCY, SECONDS);
const jwt = await closedLoop(me(session.token), CONCURRENCY, SECONDS);
const key = await closedLoop(me(apiKey), CONCURRENCY, SECONDS);
await server.stop();
await db.drop();

console.log(`bench-auth: ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? "?"}), Bun ${Bun.version}, PostgreSQL on ${parseDatabaseUrl(config.DATABASE_URL).hosts.map((h) => `${h.host}:${h.port}`).join(",")}`);
console.log(`  server and load generator on this machine; ${CONCURRENCY} concurrent connections, ${SECONDS} s per run, pool ${config.DB_POOL_MAX}`);
console.log(`  in-process: EdDSA JWT verify ${verifyUs.toFixed(1)} us/op, API key HMAC-SHA-256 ${hmacUs.toFixed(1)} us/op`);
console.log(`  GET /health (no auth)    ${fmt(none)}`);
console.log(`  GET /v1/me with JWT      ${fmt(jwt)}`);
console.log(`  GET /v1/me with API key  ${fmt(key)}`);
