// x402: MachPay as an x402 v2 facilitator (issue 16). batch-settlement over the ledger (signed
// MachPay intents, committed by the payment engine) and exact on Solana (@x402/svm's scheme, the
// hot wallet as fee payer). The binding: docs/x402-batch-settlement-machpay.md; the schemes' classes
// for gateways and agents: packages/x402-machpay.
import type { Module } from "@/http/module";
import { newRouter } from "@/http/router";
import type { X402Deps } from "./deps";
import { createFacilitator } from "./facilitator";
import { registerX402Routes } from "./routes";

export type { X402Deps } from "./deps";

/** GET /x402/supported, POST /x402/verify, POST /x402/settle. */
export function x402Module(deps: X402Deps): Module {
  const router = newRouter();
  registerX402Routes(router, deps, createFacilitator(deps, deps.logger.child({ component: "x402" })));
  return { router };
}
