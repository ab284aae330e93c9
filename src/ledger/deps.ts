import type { BaseDeps } from "@/http/module";
import type { PaymentEngine } from "./engine/engine";
import type { IntentVerifier } from "./intent-verifier";

/** What the ledger module uses: the payment engine and the gateway intents' signature verifier. */
export interface LedgerDeps extends BaseDeps {
  payments: PaymentEngine;
  intentVerifier: IntentVerifier;
}
