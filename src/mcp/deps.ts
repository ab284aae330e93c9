import type { PaymentEngine } from "@/ledger";
import type { RegistryDeps } from "@/registry";

/**
 * What the MCP endpoint uses: the registry's dependencies (its search runtime, embedder and query
 * cache, is kept per deps object, so the whole Infra is handed over and shared with the registry's
 * own routes) and the payment engine the `pay` tool submits to.
 */
export interface McpDeps extends RegistryDeps {
  payments: PaymentEngine;
}
