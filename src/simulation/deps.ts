import type { PaymentEngine } from "@/ledger";
import type { Broker } from "@/realtime";
import type { RegistryDeps } from "@/registry";

/**
 * What the simulator uses: the real payment engine, the broker its balance events go to, and the
 * registry its vendors register their catalogue with.
 */
export interface SimulationDeps extends RegistryDeps {
  payments: PaymentEngine;
  broker: Broker;
}
