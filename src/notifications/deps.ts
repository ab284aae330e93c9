import type { Mailer } from "@/core/mailer";
import type { Secrets } from "@/auth";
import type { BaseDeps } from "@/http/module";

/** What the notifications module uses: the mail port, and the secrets that seal webhook keys. */
export interface NotificationsDeps extends BaseDeps {
  mailer: Mailer;
  secrets: Secrets;
}
