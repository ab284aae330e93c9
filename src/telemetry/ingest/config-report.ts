import type postgres from "postgres";
import type { Logger } from "@/core/logger";
import { recordNotification } from "@/notifications";
import { findProfileOfUser, setReportedPrice } from "@/profiles";
import { recordAddressReport } from "../queries/maintenance";
import { jsonCell } from "./copy-text";
import { line, type ConfigReport } from "./entry";

// What a deep packet's `config` may change, applied in the flush's transaction for packets that
// were new (a replayed packet changes nothing). The vendor is the one whose gateway key or linked
// vendor device sent the packet (the credential, never a field of the body), so a gateway can only
// ever set its own vendor's price.
//
// Its price (profiles.base_price_atomic), when priced in the ledger's mint. Never its withdrawal
// address: payouts go there, and a leaked gateway key must not be able to send earnings elsewhere
// (src/payouts/service.ts). A different address is recorded as a `logs` warning each time it is
// reported, and the vendor is notified once per address (gateway.withdrawal_address_mismatch).

type TxSql = postgres.TransactionSql<{ bigint: bigint; numeric: bigint }>;

export const ADDRESS_MISMATCH_NOTIFICATION = "gateway.withdrawal_address_mismatch";

function logLine(report: ConfigReport, level: "info" | "warn", msg: string, labels: Record<string, string>): string {
  return line("logs", {
    time: report.time,
    level,
    msg,
    entity_id: report.gatewayId,
    labels: jsonCell({ vendor_id: report.vendorId.toString(), gateway_id: report.gatewayId, ...labels }),
  });
}

/** Applies each report in order (the later of two packets wins); returns the `logs` rows they gave. */
export async function applyConfigReports(tx: TxSql, reports: ConfigReport[], deps: { usdcMint: string; logger: Logger }): Promise<string> {
  let logs = "";
  for (const report of reports) {
    let withdrawal: string | null | undefined;
    if (report.priceAtomic !== undefined) {
      if (report.acceptedMint !== undefined && report.acceptedMint !== deps.usdcMint) {
        logs += logLine(report, "warn", "gateway price not applied: it is priced in another mint than the ledger's", {
          accepted_mint: report.acceptedMint,
          price_per_unit: report.priceAtomic.toString(),
        });
      } else {
        const result = await setReportedPrice({ sql: tx }, report.vendorId, report.priceAtomic);
        withdrawal = result?.withdrawal_address;
        if (result?.changed) {
          logs += logLine(report, "info", "vendor price updated from the gateway's config", {
            previous_price_atomic: result.previous_price_atomic?.toString() ?? "",
            price_atomic: report.priceAtomic.toString(),
          });
        }
      }
    }
    if (report.withdrawalAddress === undefined) continue;
    if (withdrawal === undefined) withdrawal = (await findProfileOfUser({ sql: tx }, report.vendorId))?.withdrawal_address;
    if (withdrawal === undefined || withdrawal === null || withdrawal === report.withdrawalAddress) continue;
    logs += logLine(report, "warn", "gateway reported another withdrawal address than the profile's; not applied", {
      reported_address: report.withdrawalAddress,
      profile_address: withdrawal,
    });
    deps.logger.warn("gateway reported another withdrawal address; not applied", {
      vendor_id: report.vendorId,
      gateway_id: report.gatewayId,
      reported_address: report.withdrawalAddress,
    });
    if (await recordAddressReport(tx, report.vendorId, report.withdrawalAddress, report.gatewayId, report.time)) {
      await recordNotification(tx, report.vendorId, ADDRESS_MISMATCH_NOTIFICATION, {
        gateway_id: report.gatewayId,
        reported_address: report.withdrawalAddress,
        profile_address: withdrawal,
        applied: false,
      });
    }
  }
  return logs;
}
