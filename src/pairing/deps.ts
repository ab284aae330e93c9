import type { BaseDeps } from "@/http/module";
import type { RateLimiter } from "@/http/rate-limit/limiter";

/** What the pairing module uses besides the basics: the per-IP limiter on init and approve. */
export interface PairingDeps extends BaseDeps {
  rateLimiter: RateLimiter;
}
