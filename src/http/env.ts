import type { Logger } from "@/core/logger";

/** Per-request values only; long-lived dependencies are closed over by createApp(deps). */
export interface HonoEnv {
  Variables: {
    requestId: string;
    log: Logger;
    /** Domain ids a handler adds to the request's single log line (never bodies or secrets). */
    logFields: Record<string, unknown>;
  };
}
