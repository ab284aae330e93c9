import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { Config } from "@/config";
import type { Logger } from "@/core/logger";

// The pepper keys API-key and OTP hashes: a stolen table alone yields nothing.

export interface Secrets {
  hmac(text: string): string;
}

export function createSecrets(config: Config, logger: Logger): Secrets {
  let pepper = config.API_KEY_PEPPER;
  if (!pepper) {
    // As with the JWT key: main.ts and the simulator keep a development pepper in a file
    // (dev-secrets.ts); this in-memory one serves tests. Never logged.
    pepper = randomBytes(32).toString("base64url");
    if (config.NODE_ENV === "development") {
      logger.warn("API_KEY_PEPPER is not set: generated one for this process; API keys made now stop working on restart");
    }
  }
  const key = pepper;
  return { hmac: (text) => createHmac("sha256", key).update(text).digest("hex") };
}

export { sha256Hex } from "@/core/hash";

/** Constant-time comparison of two hex digests of equal length. */
export function sameDigest(a: string, b: string): boolean {
  const x = Buffer.from(a, "hex");
  const y = Buffer.from(b, "hex");
  return x.length === y.length && timingSafeEqual(x, y);
}
