import { vaultIndexerBacklog } from "@/chain";
import { registerBacklogGauges } from "@/http/backlog-metrics";
import { paymentEventsBacklog } from "@/ledger";
import { deliveryBacklog } from "@/notifications";
import { settlementBacklogProbe } from "@/payouts";
import { realtimeOutboxBacklog } from "@/realtime";
import { embeddingBacklog } from "@/registry";
import type { Infra } from "./infra";

/**
 * Every worker's backlog on /metrics (`worker_backlog_items{worker}`, `worker_backlog_oldest_seconds{worker}`),
 * each module's probe read at scrape time. Registered by every API process: the backlog is the
 * database's, whichever instance runs the workers.
 */
export function registerWorkerBacklogs(infra: Pick<Infra, "metrics" | "sql">): void {
  registerBacklogGauges(infra.metrics, infra.sql, [
    vaultIndexerBacklog,
    settlementBacklogProbe,
    embeddingBacklog,
    deliveryBacklog,
    paymentEventsBacklog,
    realtimeOutboxBacklog,
  ]);
}
