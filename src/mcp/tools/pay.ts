import { z } from "zod";
import { AppError } from "@/core/errors";
import { IDEMPOTENCY_KEY_PATTERN } from "@/http/idempotency";
import { agentPaymentKey, payAsAgent, PositiveAtomicSchema, toBalanceDTO, toTransactionDTO, type PaymentOutcome, type TransactionDTO } from "@/ledger";
import type { McpCall } from "../call";
import { StoredRefusal } from "../refusal";
import { UsdcAmountSchema, usdcToAtomic } from "../usdc";
import { balanceOutput, BalanceOutputSchema, transactionOutput, TransactionOutputSchema } from "./account";
import { defineTool } from "./define";

// `pay`: POST /v1/agent/pay as a tool. The same verb (payAsAgent: the engine, the agent's limits
// and status decided inside the payment's transaction), the same rule (an agent whose credential
// holds write: a read-only key or a device signature is refused), and the same Idempotency-Key:
// one key and one payment body name one payment over REST and MCP alike, so a retry in either
// replays the first answer and never pays twice.

const PayOutputSchema = z.object({
  transaction: TransactionOutputSchema,
  balance: BalanceOutputSchema.describe("The agent's balance right after this payment"),
  replayed: z.boolean().describe("true: this idempotency_key's first payment, answered again; nothing was paid this time"),
});
type PayOutput = z.output<typeof PayOutputSchema>;

const AMOUNT_ISSUE = { field: "amount_usdc", location: "arguments", message: "give exactly one of amount_usdc or amount_atomic" };

export const payTool = defineTool({
  name: "pay",
  title: "Pay a service or vendor",
  description:
    "Pay a MachPay service (by its id from search_services) or a vendor (by its user id) from the calling agent's balance. " +
    "Give the amount once: amount_usdc (\"0.005\") or amount_atomic (\"5000\"; 1 USDC = 1000000). The agent's spending limits apply. " +
    "Always pass an idempotency_key (e.g. a UUID) chosen once per intended payment: if the call fails or times out, call again with the same " +
    "key and arguments and you get the first result, never a second payment. The answer comes once the payment is committed. " +
    "Needs the agent's credentials with write permission.",
  input: z
    .strictObject({
      to: z.string().min(1).max(64).describe('The service id (e.g. "openai-gpt4") or the vendor\'s user id (digits)'),
      amount_usdc: UsdcAmountSchema.optional().describe('The amount in USDC, e.g. "0.005"; or give amount_atomic'),
      amount_atomic: PositiveAtomicSchema.optional().describe('The amount in atomic units, e.g. "5000" (1 USDC = 1000000); or give amount_usdc'),
      reference: z.string().min(1).max(128).optional().describe("Your own reference for this payment (a job or order id); kept with it"),
      idempotency_key: z
        .string()
        .regex(IDEMPOTENCY_KEY_PATTERN, "expected 1-255 printable ASCII characters")
        .optional()
        .describe("A unique string per intended payment (e.g. a UUID): a retry with the same key and arguments replays the first result"),
    })
    .superRefine((args, ctx) => {
      if ((args.amount_usdc === undefined) === (args.amount_atomic === undefined)) ctx.addIssue({ code: "custom", path: ["amount_usdc"], message: AMOUNT_ISSUE.message });
    }),
  output: PayOutputSchema,
  access: "write",
  annotations: { title: "Pay a service or vendor", readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  async run(call, args) {
    const amount = args.amount_atomic ?? usdcToAtomic(call, args.amount_usdc!, "amount_usdc").toString();
    if (BigInt(amount) <= 0n) throw new AppError("invalid_request", "invalid arguments: amount_usdc: must be greater than 0", { details: { issues: [{ ...AMOUNT_ISSUE, message: "must be greater than 0" }] } });
    const body = { to: args.to, amount_atomic: amount, ...(args.reference === undefined ? {} : { reference: args.reference }) };
    const actor = call.ctx.actor;
    // runTool lets only an agent holding write through (access "write"); said again where money moves.
    if (actor.kind !== "user") throw new AppError("unauthorized", "sign in or send an API key: Authorization: Bearer <token>");
    const userId = actor.userId;
    const idempotency = args.idempotency_key === undefined ? undefined : { ...agentPaymentKey(userId, args.idempotency_key, body), requestId: call.requestId };
    const payCtx = { ...call.ctx, tokenMint: call.deps.config.USDC_MINT, payments: call.deps.payments };
    return paymentResult(call, await payAsAgent(payCtx, { body, receivedAt: call.receivedAt, idempotency }));
  },
});

/** A payment's outcome as the tool's answer: the first one and every replay alike (as sendPayment renders it for REST). */
function paymentResult(call: McpCall, outcome: PaymentOutcome): { data: PayOutput; text: string } {
  if (outcome.kind === "refused") throw outcome.replayed ? StoredRefusal.of(outcome.error, outcome.requestId ?? call.requestId) : outcome.error;
  if (outcome.kind === "replay") {
    // Stored as HTTP by a version before 0014: a 201 is the payment, anything else its refusal.
    if (outcome.status !== 201) throw StoredRefusal.fromStored(outcome.body) ?? new Error(`a stored payment answer with status ${outcome.status} and no envelope`);
    // SAFETY: a 201 stored by POST /v1/agent/pay is its PaymentResult body.
    const stored = outcome.body as { transaction: TransactionDTO; balance: { available_atomic: string; bonded_atomic: string; pending_atomic: string; token_mint: string } };
    return rendered(call, { transaction: transactionOutput(call, stored.transaction), balance: balanceOutput(call, stored.balance), replayed: true });
  }
  call.note({ transaction_id: outcome.transaction.id, amount_atomic: outcome.transaction.amount_atomic.toString() });
  const transaction = transactionOutput(call, toTransactionDTO(outcome.transaction));
  const balance = balanceOutput(call, toBalanceDTO(outcome.balance, call.deps.config.USDC_MINT));
  return rendered(call, { transaction, balance, replayed: outcome.replayed === true });
}

function rendered(_call: McpCall, data: PayOutput) {
  const t = data.transaction;
  const payee = t.service_id ? `service ${t.service_id} (vendor ${t.to_vendor_id})` : `vendor ${t.to_vendor_id}`;
  const replay = data.replayed ? " This is the first answer to this idempotency_key, replayed: nothing was paid this time." : "";
  const text = `Paid ${t.amount_usdc} USDC to ${payee}: transaction ${t.id}${t.reference ? `, reference ${t.reference}` : ""}. Available now: ${data.balance.available_usdc} USDC.${replay}`;
  return { data, text };
}
