import type { Config } from "@/config";
import { createKeyUsage, createSecrets, createTokenService, type KeyUsage, type Secrets, type TokenService } from "@/auth";
import { systemClock, type Clock } from "@/core/clock";
import type { Logger } from "@/core/logger";
import type { Sql } from "@/db/client";
import { createReadinessProbe, type ReadinessProbe } from "@/db/readiness";
import { createReadPool, primaryReads, type ReadPool } from "@/db/replica";
import { createIntentVerifier, PaymentEngine, type IntentVerifier } from "@/ledger";
import type { Mailer } from "@/core/mailer";
import { createMailer } from "@/notifications";
import { createBroker, type Broker } from "@/realtime";
import { createWaker, type Waker } from "@/core/waker";
import { Chain, verifyEndpointPda } from "@/chain";
import type { PdaVerifier } from "@/registry";
import { createRateLimiter, type RateLimiter } from "@/http/rate-limit/limiter";
import { Registry } from "prom-client";

// The composition root's first half: every long-lived dependency, built once by main.ts, the
// simulator or the test harness. Each module takes the part it names (LedgerDeps, ...); the whole
// object is handed over, so one module's per-deps state (the registry's runtime) is the same for
// its routes and its worker.

/** Every long-lived dependency of one process. */
export interface Infra {
  config: Config;
  sql: Sql;
  /** Reads that may lag (public dashboards, ticker, leaderboard, search): DATABASE_READ_URL's replica within its bound, else `sql`. */
  reads: ReadPool;
  logger: Logger;
  /** application_name this instance's connections carry (metrics read pool usage by it). */
  applicationName: string;
  clock: Clock;
  tokens: TokenService;
  secrets: Secrets;
  keyUsage: KeyUsage;
  mailer: Mailer;
  rateLimiter: RateLimiter;
  payments: PaymentEngine;
  /** Ed25519 checks of gateway intents, in worker threads. */
  intentVerifier: IntentVerifier;
  broker: Broker;
  /** The payment engine nudges it after each COMMIT; realtime's relay then delivers the batch's events. */
  paymentEvents: Waker;
  /** GET /ready's own database connection (opened on the first probe). */
  readiness: ReadinessProbe;
  /** The Solana RPC; absent when SOLANA_RPC is not configured. */
  chain: Chain | undefined;
  /** The endpoint PDA proof the registry calls (absent without a chain). */
  pdaVerifier: PdaVerifier | undefined;
  /** /metrics: each module registers its own figures here (engine, SSE, broker, rate limits); the app adds HTTP's. */
  metrics: Registry;
}

/** What a test (or a tool) may supply instead of the configured implementation. */
export interface InfraOverrides {
  clock?: Clock;
  mailer?: Mailer;
  broker?: Broker;
}

export async function createInfra(
  base: { config: Config; sql: Sql; logger: Logger; applicationName: string },
  overrides: InfraOverrides = {},
): Promise<Infra> {
  const clock = overrides.clock ?? systemClock;
  const { config, logger, sql } = base;
  const metrics = new Registry();
  const broker = overrides.broker ?? createBroker(config, sql, logger, metrics);
  const chain = config.SOLANA_RPC ? new Chain(config.SOLANA_RPC) : undefined;
  // Its interval is the relay's poll for events of batches another instance (or a crashed one) committed.
  const paymentEvents = createWaker(1000);
  const reads = config.DATABASE_READ_URL
    ? createReadPool(sql, {
        url: config.DATABASE_READ_URL,
        maxLagMs: config.DATABASE_READ_MAX_LAG_MS,
        poolMax: config.DB_READ_POOL_MAX,
        applicationName: base.applicationName,
        logger,
        metrics,
      })
    : primaryReads(sql);
  return {
    ...base,
    reads,
    clock,
    tokens: await createTokenService(config, clock, logger),
    secrets: createSecrets(config, logger),
    keyUsage: createKeyUsage(sql, clock, logger),
    mailer: overrides.mailer ?? createMailer({ smtpUrl: config.SMTP_URL, from: config.MAIL_FROM, logger, logText: config.NODE_ENV !== "production" }),
    rateLimiter: createRateLimiter(sql, clock, metrics),
    payments: new PaymentEngine(sql, {
      feeBps: config.PLATFORM_FEE_BPS,
      clock,
      logger,
      maxBatch: config.PAYMENT_BATCH_MAX,
      maxConcurrent: config.PAYMENT_BATCH_CONCURRENCY,
      deadlineMs: config.PAYMENT_DEADLINE_MS,
      outcomeWaitMs: config.PAYMENT_OUTCOME_WAIT_MS,
      onCommitted: () => paymentEvents.nudge(),
      metrics,
    }),
    intentVerifier: createIntentVerifier(config.INTENT_VERIFY_THREADS, (err) => logger.error("intent verifier thread failed; verifying on the event loop", { err })),
    broker,
    paymentEvents,
    readiness: createReadinessProbe(config.DATABASE_URL, base.applicationName),
    chain,
    pdaVerifier: chain ? (input) => verifyEndpointPda(chain, config.MACHPAY_PROGRAM_ID, input) : undefined,
    metrics,
  };
}
