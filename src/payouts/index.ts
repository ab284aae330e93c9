// Payouts and the recon role: vendor withdrawals, settlement outcomes, vendor stats.
import type { BaseDeps, Module } from "@/http/module";
import { newRouter } from "@/http/router";
import { registerPayoutRoutes } from "./routes";

/** Vendor payouts, vendor stats and recon's settlement reports. */
export function payoutsModule(deps: BaseDeps): Module {
  const router = newRouter();
  registerPayoutRoutes(router, deps);
  return { router };
}

export { requestPayout, listPayouts, getVendorStats } from "./service";
export { handleReconEvent, verifyReconSignature, type ReconEvent } from "./recon";
export { claimPendingPayouts, recordSend, inFlightPayouts, releaseForRetry, type InFlight } from "./settlement";
export type { PayoutRow } from "./queries";
