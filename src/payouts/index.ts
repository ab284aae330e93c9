// Payouts and the recon role: vendor withdrawals, settlement outcomes, vendor stats.
import { BACKLOG_COUNT_CAP, readingOf, type BacklogProbe } from "@/http/backlog-metrics";
import { settlementBacklog } from "./queries";
import type { BaseDeps, Module } from "@/http/module";
import { newRouter } from "@/http/router";
import { registerPayoutRoutes } from "./routes";
import { registerRevenueRoutes } from "./revenue-routes";

/** Vendor payouts, vendor stats and recon's settlement reports. */
export function payoutsModule(deps: BaseDeps): Module {
  const router = newRouter();
  registerPayoutRoutes(router, deps);
  registerRevenueRoutes(router, deps);
  return { router };
}

export { requestPayout, listPayouts, getVendorStats } from "./service";
export { handleReconEvent, verifyReconSignature, type ReconEvent } from "./recon";
export { claimPendingPayouts, recordSend, inFlightPayouts, releaseForRetry, type InFlight } from "./settlement";
export type { PayoutRow } from "./queries";

/** The settlement backlog on /metrics (worker="settlement"): payouts pending or in flight. */
export const settlementBacklogProbe: BacklogProbe = { worker: "settlement", read: async (sql) => readingOf(await settlementBacklog(sql, BACKLOG_COUNT_CAP)) };
