import type { ConfigInput } from "@/config";
import { openStreamCount } from "@/realtime";
import { startTestApp, type TestApp } from "../app";
import { chainEnv } from "../chain";
import type { TestDatabase } from "../db";
import { generateRsaKey, googleClaims, signIdToken, startJwksServer } from "../jwks-server";
import { startTestLocalnet } from "../localnet";
import { startSmtpServer } from "../smtp";
import { mintCast, type FuzzCast } from "./cast";
import { prepareTarget, type FuzzTarget } from "./runner";

// The app as the fuzzer needs it: every dependency a real local stand-in (the Solana chain, an
// SMTP server, Google's JWKS; the embedder is the built-in local one), so that no 5xx is ever a
// legitimate answer, and rate limits far above what the fuzzer sends, so that it reaches handlers.

const GOOGLE_CLIENT_ID = "fuzz-client.apps.googleusercontent.com";

export interface FuzzApp {
  t: TestApp;
  cast: FuzzCast;
  target: FuzzTarget;
  /** SSE streams the app holds open: back to 0 once the fuzzer's aborted streams are noticed. */
  openStreams(): number;
  close(): Promise<void>;
}

/** `env` adds to (or overrides) the fuzz app's configuration, e.g. a JWT key the caller also holds. */
export async function startFuzzApp(options: { db?: TestDatabase; env?: ConfigInput } = {}): Promise<FuzzApp> {
  const localnet = await startTestLocalnet();
  const smtp = await startSmtpServer();
  const google = await generateRsaKey("fuzz-google-key");
  const jwks = await startJwksServer([google]);
  const t = await startTestApp(
    {
      ...chainEnv(localnet),
      SMTP_URL: smtp.url,
      GOOGLE_CLIENT_ID,
      GOOGLE_JWKS_URL: jwks.url,
      RATE_LIMIT_AUTH_PER_MINUTE: "100000",
      RATE_LIMIT_LINK_PER_MINUTE: "100000",
      SSE_MAX_CONNECTIONS_PER_USER: "1000",
      // Each request names its own client address (X-Forwarded-For), so per-IP limits written as
      // constants (one-time codes per IP) do not stop the fuzzer, and the header is fuzzed too.
      TRUST_PROXY: "true",
      LOG_LEVEL: "warn",
      ...options.env,
    },
    options.db ? { db: options.db } : {},
  );
  const idToken = (claims: Record<string, unknown> = {}) => signIdToken(googleClaims(GOOGLE_CLIENT_ID, new Date(), claims), { kid: google.kid, key: google.privateKey });
  const cast = await mintCast(t, idToken);
  const target = await prepareTarget(t.url, cast);
  return {
    t,
    cast,
    target,
    openStreams: () => openStreamCount(t.deps.broker),
    async close() {
      await t.close();
      await jwks.stop();
      await smtp.close();
      await localnet.close();
    },
  };
}
