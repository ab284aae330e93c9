import type { PaymentEngine } from "@/ledger";
import type { Broker } from "@/realtime";
import type { BaseDeps } from "@/http/module";

/** What the simulator uses: the real payment engine and the broker its balance events go to. */
export interface SimulationDeps extends BaseDeps {
  payments: PaymentEngine;
  broker: Broker;
}
