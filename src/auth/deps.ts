import type { Mailer } from "@/core/mailer";
import type { BaseDeps } from "@/http/module";
import type { RateLimiter } from "@/http/rate-limit/limiter";
import type { KeyUsage } from "./key-usage";
import type { Secrets } from "./secrets";
import type { TokenService } from "./tokens";

/** What the auth module uses: its token service, secrets and key-usage batcher, a limiter, the mail port. */
export interface AuthDeps extends BaseDeps {
  tokens: TokenService;
  secrets: Secrets;
  keyUsage: KeyUsage;
  rateLimiter: RateLimiter;
  mailer: Mailer;
}
