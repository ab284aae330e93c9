import { unixSeconds } from "@/core/clock";
import type { UserActor } from "@/core/actor";
import { AppError } from "@/core/errors";
import { permanentFacts } from "@/core/memo";
import { AMOUNT_MAX } from "@/core/money";
import { base58Bytes } from "@/core/solana";
import { findLinkedDevice } from "@/pairing";
import { findProfileOfUser } from "@/profiles";
import { resolveService } from "@/registry";
import { actorUserId, type LedgerCtx } from "./balance";
import type { PaymentEngine } from "./engine/engine";
import type { PaymentOutcome, PaymentRequest } from "./engine/types";
import { decodeIntent, type PaymentIntent } from "./intent";
import type { IntentVerifier } from "./intent-verifier";

export interface PayCtx extends LedgerCtx {
  payments: PaymentEngine;
}

export interface GatewayPayCtx extends PayCtx {
  intentVerifier: IntentVerifier;
}

export type Idempotency = PaymentRequest["idempotency"];

// A vendor profile never changes type or goes away, so a payee found once stays valid.
const vendors = permanentFacts<bigint, true>();

const vendorNotFound = (to: string) => new AppError("vendor_not_found", `no active vendor or service named ${JSON.stringify(to)}`);

/** `to` is a service id, or a vendor's user id (digits). */
async function resolvePayee(ctx: LedgerCtx, to: string): Promise<{ vendorId: bigint; serviceId: string | null }> {
  if (/^\d{1,19}$/.test(to)) {
    const vendorId = BigInt(to);
    if (vendorId > AMOUNT_MAX) throw vendorNotFound(to);
    const isVendor = await vendors.get(ctx.sql, vendorId, async () => ((await findProfileOfUser(ctx, vendorId))?.type === "vendor" ? true : undefined));
    if (!isVendor) throw vendorNotFound(to);
    return { vendorId, serviceId: null };
  }
  const service = await resolveService(ctx, to);
  if (!service || !service.is_active) throw vendorNotFound(to);
  if (service.token_mint !== ctx.tokenMint) {
    throw new AppError("unsupported_mint", "this service is priced in a mint this ledger does not hold");
  }
  return { vendorId: service.vendor_id, serviceId: service.id };
}

/** POST /v1/agent/pay: the signed-in agent pays a service or vendor from its ledger balance. */
export async function payFromApi(
  ctx: PayCtx,
  input: { to: string; amount: bigint; reference?: string | undefined; region?: string | null; source?: "api" | "simulation"; receivedAt: number; idempotency?: Idempotency },
): Promise<PaymentOutcome> {
  const agentId = actorUserId(ctx);
  const payee = await resolvePayee(ctx, input.to);
  if (payee.vendorId === agentId) throw new AppError("invalid_request", "an agent cannot pay itself", { details: { issues: [{ field: "to", location: "json", message: "is the payer" }] } });
  return ctx.payments.submit({
    agentId,
    vendorId: payee.vendorId,
    serviceId: payee.serviceId,
    amount: input.amount,
    mint: ctx.tokenMint,
    reference: input.reference ?? null,
    source: input.source ?? "api",
    region: input.region ?? null,
    receivedAt: input.receivedAt,
    ...(input.idempotency ? { idempotency: input.idempotency } : {}),
  });
}

/** A gateway intent that passed every check needing no lock: what the engine is handed. */
export interface AuthorizedIntent {
  intent: PaymentIntent;
  agentId: bigint;
  vendorId: bigint;
  serviceId: string | null;
}

/**
 * The checks of a gateway intent that need no lock: its form, mint, amount and deadline, the
 * agent key's signature, the gateway key being the caller's own, the agent key's link, and the
 * service. Balance, limits, status and the nonce's single use are the engine's (or, without
 * spending, previewGatewayPayment's).
 */
export async function authorizeGatewayIntent(ctx: GatewayPayCtx, input: { intent: Uint8Array; signature: string; serviceId?: string | undefined }): Promise<AuthorizedIntent> {
  const actor = ctx.actor as UserActor;
  const vendorId = actorUserId(ctx);
  const intent = decodeIntent(input.intent);
  if (intent.mint !== ctx.tokenMint) throw new AppError("unsupported_mint", `intent mint must be ${ctx.tokenMint}`);
  if (intent.amount === 0n || intent.amount > AMOUNT_MAX) throw new AppError("invalid_intent", "intent amount must be between 1 and 2^63-1 atomic units");
  if (intent.deadline < BigInt(unixSeconds(ctx.clock.now()))) throw new AppError("intent_expired", "the intent's deadline has passed");
  if (!(await ctx.intentVerifier.verify(intent.bytes, base58Bytes(input.signature)))) {
    throw new AppError("invalid_intent_signature", "signature does not verify for the intent's agent key");
  }
  // The gateway named in the intent must be the caller's own linked gateway key.
  const [gateway, agent] = await Promise.all([findLinkedDevice(ctx, intent.gatewayPubkey), findLinkedDevice(ctx, intent.agentPubkey)]);
  if (!gateway || gateway.kind !== "vendor" || gateway.user_id !== vendorId || (actor.device && actor.device.pubkey !== intent.gatewayPubkey)) {
    throw new AppError("gateway_mismatch", "the intent names a gateway key that is not linked to this vendor");
  }
  if (!agent || agent.kind !== "agent") throw new AppError("agent_not_linked", "the intent's agent key is not linked to an agent profile");
  let serviceId: string | null = null;
  if (input.serviceId) {
    const service = await resolveService(ctx, input.serviceId);
    if (!service || service.vendor_id !== vendorId || !service.is_active) throw new AppError("service_not_found", "no active service of this vendor has this id");
    serviceId = service.id;
  }
  return { intent, agentId: agent.user_id, vendorId, serviceId };
}

export interface GatewayPaymentInput {
  intent: Uint8Array;
  signature: string;
  serviceId?: string | undefined;
  reference?: string | undefined;
  region?: string | undefined;
  receivedAt: number;
  idempotency?: Idempotency;
  source?: "gateway" | "x402";
}

/** What the engine is handed for an authorized gateway intent. */
export function gatewayPaymentRequest(authorized: AuthorizedIntent, input: GatewayPaymentInput): PaymentRequest {
  const { intent } = authorized;
  return {
    agentId: authorized.agentId,
    vendorId: authorized.vendorId,
    serviceId: authorized.serviceId,
    amount: intent.amount,
    mint: intent.mint,
    reference: input.reference ?? null,
    source: input.source ?? "gateway",
    region: input.region ?? null,
    receivedAt: input.receivedAt,
    intent: { agentPubkey: intent.agentPubkey, gatewayPubkey: intent.gatewayPubkey, nonce: intent.nonce, deadline: intent.deadline, signature: input.signature, hash: intent.hash },
    ...(input.idempotency ? { idempotency: input.idempotency } : {}),
  };
}

/**
 * POST /v1/gateway/payments: a vendor's gateway submits an intent the agent signed with its
 * linked key. Everything that needs no lock is checked here; balance, limits, status and the
 * nonce's single use are decided inside the payment's transaction. `source` "x402": the same
 * intent, settled through /x402/settle (x402's batch-settlement scheme).
 */
export async function payFromGateway(ctx: GatewayPayCtx, input: GatewayPaymentInput): Promise<PaymentOutcome> {
  return ctx.payments.submit(gatewayPaymentRequest(await authorizeGatewayIntent(ctx, input), input));
}
