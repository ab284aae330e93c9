import type { AuthenticateDeps } from "@/auth";
import type { Waker } from "@/core/waker";
import type { BaseDeps, MayLagDeps } from "@/http/module";
import type { Registry } from "prom-client";
import type { Broker } from "./broker";

/** What the realtime module uses: the broker, and what resolves an EventSource's ?access_token=. */
export interface RealtimeDeps extends BaseDeps, MayLagDeps, Omit<AuthenticateDeps, "sql" | "schemes"> {
  broker: Broker;
  /** Nudged by the payment engine after each COMMIT: its events are waiting in the database. */
  paymentEvents: Waker;
  /** /metrics: open streams by topic kind, disconnects by reason. */
  metrics: Registry;
}
