import type { Chain } from "@/chain";
import type { Waker } from "@/core/waker";
import type { BaseDeps } from "@/http/module";
import type { IntentVerifier, PaymentEngine } from "@/ledger";
import type { Registry } from "prom-client";

/** What the x402 facilitator uses: the payment engine (batch-settlement), the Solana RPC (exact). */
export interface X402Deps extends BaseDeps {
  payments: PaymentEngine;
  intentVerifier: IntentVerifier;
  /** Absent without SOLANA_RPC: exact is then not offered. */
  chain: Chain | undefined;
  /** Realtime's relay: nudged after an exact payment is recorded, so its events go out at once. */
  paymentEvents: Waker;
  /** /metrics: its rate limit's refusals (scope "x402"). */
  metrics: Registry;
}
