import { jsonCell } from "./copy-text";
import { dedupeKey, EntryBuilder, type Entry } from "./entry";
import { agentPacketMetrics, gatewayPacketMetrics } from "./packet-metrics";
import type { Parsed } from "./parse";
import { GATEWAY_PACKET_TYPE, type AgentTelemetryEvent, type GatewayEvent, type GatewayPacket } from "./schemas";

// Validated events into queue entries: the raw copy, the table their type routes to, and the
// metrics a packet gives. vendor_id and agent_id are the sender's, from its credential, never
// from the body. Times arrive as ISO text (the request's receivedAt too), formatted once.

export function gatewayEventEntry(vendorId: bigint, { value: e, raw }: Parsed<GatewayEvent>, receivedAt: string): Entry {
  const entry = new EntryBuilder().add("telemetry_events", {
    time: e.time.iso,
    received_at: receivedAt,
    event_id: e.id,
    source: e.source,
    type: e.type,
    vendor_id: vendorId,
    agent_id: null,
    data: raw,
  });
  const common = { time: e.time.iso, vendor_id: vendorId, gateway_id: e.source, event_id: e.id };
  switch (e.type) {
    case "com.machpay.payment.authorized":
      entry.add("payment_authorized", {
        ...common,
        agent: e.data.agent_id,
        amount_atomic: e.data.amount,
        token_mint: e.data.token,
        service_id: e.data.service_id,
        latency_ms: e.data.latency_ms,
      });
      break;
    case "com.machpay.request.blocked":
      entry.add("request_blocked", {
        ...common,
        agent: e.data.agent_id,
        reason: e.data.reason,
        current_balance_atomic: e.data.current_balance,
        required_amount_atomic: e.data.required_amount,
      });
      break;
    case "com.machpay.agent.insolvency_risk":
      entry.add("solvency_alerts", {
        ...common,
        agent: e.data.agent_id,
        remaining_balance_atomic: e.data.remaining_balance,
        burn_rate_1h_atomic: e.data.burn_rate_1h,
      });
      break;
  }
  return entry.build(dedupeKey(vendorId, null, e.source, e.id, e.time.iso));
}

/** A deep packet is one event of its own: source the gateway, id its period's start. */
export function gatewayPacketEntry(vendorId: bigint, { value: p, raw }: Parsed<GatewayPacket>, receivedAt: string): Entry {
  const eventId = `packet:${p.period_start.iso}`;
  const entry = new EntryBuilder()
    .add("telemetry_events", {
      time: p.period_end.iso,
      received_at: receivedAt,
      event_id: eventId,
      source: p.gateway_id,
      type: GATEWAY_PACKET_TYPE,
      vendor_id: vendorId,
      agent_id: null,
      data: raw,
    })
    .add("gateway_telemetry", {
      time: p.period_end.iso,
      vendor_id: vendorId,
      gateway_id: p.gateway_id,
      period_start: p.period_start.iso,
      period_end: p.period_end.iso,
      config: p.config ? jsonCell(p.config) : null,
      system: jsonCell(p.system ?? {}),
      network: jsonCell(p.network ?? {}),
      business: jsonCell(p.business ?? {}),
    });
  gatewayPacketMetrics(entry, vendorId, p);
  const config = p.config
    ? {
        vendorId,
        gatewayId: p.gateway_id,
        time: p.period_end.date,
        ...(p.config.price_per_unit !== undefined ? { priceAtomic: p.config.price_per_unit } : {}),
        ...(p.config.accepted_mint !== undefined ? { acceptedMint: p.config.accepted_mint } : {}),
        ...(p.config.withdrawal_address !== undefined ? { withdrawalAddress: p.config.withdrawal_address } : {}),
      }
    : undefined;
  return entry.build(dedupeKey(vendorId, null, p.gateway_id, eventId, p.period_end.iso), config);
}

export function agentPacketEntry(agentId: bigint, { value: e, raw }: Parsed<AgentTelemetryEvent>, receivedAt: string): Entry {
  const p = e.data;
  const entry = new EntryBuilder()
    .add("telemetry_events", {
      time: e.time.iso,
      received_at: receivedAt,
      event_id: e.id,
      source: e.source,
      type: e.type,
      vendor_id: null,
      agent_id: agentId,
      data: raw,
    })
    .add("agent_telemetry", {
      time: p.period_end.iso,
      agent_id: agentId,
      period_start: p.period_start.iso,
      period_end: p.period_end.iso,
      sdk_version: p.sdk_version,
      wallet: jsonCell(p.wallet ?? {}),
      interactions: jsonCell(p.interactions ?? {}),
      reported_agent: p.agent_id,
    });
  agentPacketMetrics(entry, agentId, p);
  return entry.build(dedupeKey(null, agentId, e.source, e.id, e.time.iso));
}
