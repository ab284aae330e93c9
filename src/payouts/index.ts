// Payouts and the recon role: vendor withdrawals, settlement outcomes, vendor stats.
export { registerPayoutRoutes } from "./routes";
export { requestPayout, listPayouts, getVendorStats } from "./service";
export { handleReconEvent, verifyReconSignature, type ReconEvent } from "./recon";
export { claimPendingPayouts, recordSend, inFlightPayouts, releaseForRetry, type InFlight } from "./settlement";
export type { PayoutRow } from "./queries";
