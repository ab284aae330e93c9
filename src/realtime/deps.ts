import type { AuthenticateDeps } from "@/auth";
import type { BaseDeps } from "@/http/module";
import type { Broker } from "./broker";

/** What the realtime module uses: the broker, and what resolves an EventSource's ?access_token=. */
export interface RealtimeDeps extends BaseDeps, Omit<AuthenticateDeps, "sql" | "schemes"> {
  broker: Broker;
}
