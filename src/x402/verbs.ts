import type { PaymentPayload, PaymentRequirements } from "@x402/core/types";
import type { Waker } from "@/core/waker";
import type { GatewayPayCtx } from "@/ledger";
import { atomicAmount, BATCH_SETTLEMENT, Reasons } from "../../packages/x402-machpay";
import { failed, invalid, settleAnswer, verifyAnswer } from "./answers";
import { callerContext } from "./batch-ledger";
import { settleExact, verifyExact } from "./exact";
import type { ExactRail, Facilitator } from "./facilitator";
import type { FacilitatorRequest, SettleAnswer, VerifyAnswer } from "./schemas";

// POST /x402/verify and /x402/settle: the checks every payment meets, whatever its scheme, then
// the scheme's own. Every refusal is the spec's answer (isValid:false / success:false and a
// reason); only an outage (the database, the RPC) is an error answer (503, retry).

export interface X402Ctx extends GatewayPayCtx {
  paymentEvents: Waker;
}

const EXACT = "exact";
/** The fields a payload's `accepted` must share with the requirements it is verified against. */
const MATCHED = ["scheme", "network", "amount", "asset", "payTo"] as const;

type Route = { scheme: "batch" } | { scheme: "exact"; rail: ExactRail } | { refused: { reason: string; message: string } };

function vendorOf(ctx: X402Ctx): bigint {
  // SAFETY: the routes' guard admits gateway keys only, which are users' (vendors').
  return (ctx.actor as { userId: bigint }).userId;
}

/** Version, scheme and network this facilitator serves, and a payload for these requirements. */
async function route(facilitator: Facilitator, body: FacilitatorRequest): Promise<Route> {
  const refuse = (reason: string, message: string): Route => ({ refused: { reason, message } });
  const requirements = body.paymentRequirements;
  if (body.x402Version !== 2 || body.paymentPayload.x402Version !== 2) return refuse(Reasons.x402Version, "this facilitator speaks x402 version 2");
  const differs = MATCHED.find((k) => body.paymentPayload.accepted[k] !== requirements[k]);
  if (differs) return refuse(differs === "network" ? Reasons.network : Reasons.acceptedMismatch, `the payload accepted another ${differs} than the requirements name`);
  if (atomicAmount(requirements.amount) === undefined) return refuse(Reasons.requirements, "amount must be atomic units (digits), 1 to 2^63-1");
  if (requirements.scheme === BATCH_SETTLEMENT) {
    return requirements.network === facilitator.batchNetwork ? { scheme: "batch" } : refuse(Reasons.network, `batch-settlement is settled on ${facilitator.batchNetwork} here`);
  }
  if (requirements.scheme === EXACT) {
    const rail = await facilitator.exact();
    if (!rail) return refuse(Reasons.scheme, "this facilitator does not settle exact payments (no Solana RPC or fee payer configured)");
    return requirements.network === rail.network ? { scheme: "exact", rail } : refuse(Reasons.network, `exact is settled on ${rail.network} here`);
  }
  return refuse(Reasons.scheme, `schemes here: ${BATCH_SETTLEMENT}, ${EXACT}`);
}

/** The request's messages as @x402/core types them (extra defaults to {}). */
function messages(body: FacilitatorRequest): { payload: PaymentPayload; requirements: PaymentRequirements } {
  const requirements = { ...body.paymentRequirements, extra: body.paymentRequirements.extra ?? {} } as PaymentRequirements;
  const accepted = { ...body.paymentPayload.accepted, extra: body.paymentPayload.accepted.extra ?? {} } as PaymentRequirements;
  // SAFETY: the schema checked every field these types name; the rest is scheme data the schemes check.
  return { payload: { ...body.paymentPayload, accepted } as PaymentPayload, requirements };
}

export async function verifyPayment(ctx: X402Ctx, facilitator: Facilitator, body: FacilitatorRequest, receivedAt: number): Promise<VerifyAnswer> {
  const r = await route(facilitator, body);
  if ("refused" in r) return invalid(r.refused.reason, r.refused.message);
  const { payload, requirements } = messages(body);
  if (r.scheme === "exact") return verifyExact(ctx, r.rail, vendorOf(ctx), payload, requirements);
  return verifyAnswer(await facilitator.batch.verify(payload, requirements, callerContext(ctx, receivedAt)));
}

export async function settlePayment(ctx: X402Ctx, facilitator: Facilitator, body: FacilitatorRequest, receivedAt: number): Promise<SettleAnswer> {
  const network = body.paymentRequirements.network;
  const r = await route(facilitator, body);
  if ("refused" in r) return failed(network, r.refused.reason, r.refused.message);
  const { payload, requirements } = messages(body);
  if (r.scheme === "exact") return settleExact(ctx, r.rail, vendorOf(ctx), payload, requirements, receivedAt);
  return settleAnswer(await facilitator.batch.settle(payload, requirements, callerContext(ctx, receivedAt)));
}
