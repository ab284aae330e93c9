import type { Actor } from "@/core/actor";
import type { AppError } from "@/core/errors";
import type { Logger } from "@/core/logger";

/** Per-request values only; long-lived dependencies are closed over by createApp(deps). */
export interface HonoEnv {
  Variables: {
    requestId: string;
    /** performance.now() when the request arrived: payments' deadlines and latencies count from it. */
    receivedAt: number;
    log: Logger;
    /** Domain ids a handler adds to the request's single log line (never bodies or secrets). */
    logFields: Record<string, unknown>;
    /** Who is calling; anonymous when no credential was sent. */
    actor: Actor;
    /** Set when a credential was sent but is invalid: guards answer it, public routes ignore it. */
    authError: AppError | undefined;
  };
}
