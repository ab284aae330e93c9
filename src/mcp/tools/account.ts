import { z } from "zod";
import { depositAddressOf } from "@/chain";
import { getLimits, getMyBalance, listTransactions, toTransactionDTO, TransactionSchema, type TransactionDTO } from "@/ledger";
import type { McpCall } from "../call";
import { atomicField, atomicToUsdc, nullableAtomicField, nullableUsdcField, usdcField } from "../usdc";
import { defineTool } from "./define";

// The agent's own account: the caller is who the Authorization header says, never an argument, so
// no tool here can name another user's data. Each calls the verb its REST twin calls
// (GET /v1/agent/balance, /transactions, /limits, /deposit-address), under the same rule: an
// agent (architect role) whose credential holds the read permission.

const readOnly = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false };

export const BalanceOutputSchema = z.object({
  available_atomic: atomicField("Spendable now"),
  available_usdc: usdcField("Spendable now"),
  bonded_atomic: atomicField("Staked as a bond; not spendable until withdrawn"),
  bonded_usdc: usdcField("The bond"),
  pending_atomic: atomicField("Signed intents awaiting settlement on chain"),
  pending_usdc: usdcField("Awaiting settlement"),
  token_mint: z.string().describe("The mint the amounts are in (USDC)"),
});

export function balanceOutput(call: McpCall, b: { available_atomic: string; bonded_atomic: string; pending_atomic: string; token_mint: string }) {
  return {
    available_atomic: b.available_atomic,
    available_usdc: atomicToUsdc(call, b.available_atomic),
    bonded_atomic: b.bonded_atomic,
    bonded_usdc: atomicToUsdc(call, b.bonded_atomic),
    pending_atomic: b.pending_atomic,
    pending_usdc: atomicToUsdc(call, b.pending_atomic),
    token_mint: b.token_mint,
  };
}

export const TransactionOutputSchema = z.object({
  ...TransactionSchema.shape,
  amount_usdc: usdcField("Paid by the agent"),
  fee_usdc: usdcField("Platform fee out of the amount"),
});

export const transactionOutput = (call: McpCall, t: TransactionDTO) => ({ ...t, amount_usdc: atomicToUsdc(call, t.amount_atomic), fee_usdc: atomicToUsdc(call, t.fee_atomic) });

const ledgerCtx = (call: McpCall) => ({ ...call.ctx, tokenMint: call.deps.config.USDC_MINT });

export const getBalanceTool = defineTool({
  name: "get_balance",
  title: "Agent balance",
  description:
    "The calling agent's MachPay balance: available to spend now, bonded, and pending settlement, in USDC and in atomic units. " +
    "Check it before paying. Needs the agent's credentials (Authorization: Bearer <API key or access token>).",
  input: z.strictObject({}),
  output: BalanceOutputSchema,
  access: "read",
  annotations: { title: "Agent balance", ...readOnly },
  async run(call) {
    const data = balanceOutput(call, await getMyBalance(ledgerCtx(call)));
    return { data, text: `Available: ${data.available_usdc} USDC; bonded: ${data.bonded_usdc} USDC; pending settlement: ${data.pending_usdc} USDC.` };
  },
});

export const listTransactionsTool = defineTool({
  name: "list_transactions",
  title: "Agent payments",
  description:
    "The calling agent's payments, newest first, a page at a time: amount, payee (vendor id, service id), reference, status and time. " +
    "Pass next_cursor back as cursor for the next page. Needs the agent's credentials.",
  input: z.strictObject({
    limit: z.number().int().min(1).max(200).default(20).describe("Payments per page (1-200, default 20)"),
    cursor: z.string().min(1).max(500).optional().describe("next_cursor of the previous page; omit for the newest"),
  }),
  output: z.object({
    transactions: z.array(TransactionOutputSchema).describe("Newest first"),
    next_cursor: z.string().nullable().describe("Pass as cursor for the next page; null on the last page"),
  }),
  access: "read",
  annotations: { title: "Agent payments", ...readOnly },
  async run(call, args) {
    const page = await listTransactions(call.ctx, { limit: args.limit, cursor: args.cursor });
    const transactions = page.rows.map((row) => transactionOutput(call, toTransactionDTO(row)));
    const lines = transactions.map(
      (t) => `- ${t.created_at} ${t.id}: ${t.amount_usdc} USDC to vendor ${t.to_vendor_id}${t.service_id ? ` (service ${t.service_id})` : ""}, ${t.status}${t.reference ? `, reference ${t.reference}` : ""}`,
    );
    const text =
      transactions.length === 0
        ? "No payments on this page."
        : `${transactions.length} payment${transactions.length === 1 ? "" : "s"}, newest first:\n${lines.join("\n")}${page.next ? `\nMore: call again with cursor "${page.next}".` : ""}`;
    return { data: { transactions, next_cursor: page.next }, text };
  },
});

export const getLimitsTool = defineTool({
  name: "get_limits",
  title: "Agent spending limits",
  description:
    "The spending limits the agent's owner set, which every payment must respect: the largest single payment, the most per UTC day, " +
    "and the only vendors that may be paid (null: no limit). Needs the agent's credentials.",
  input: z.strictObject({}),
  output: z.object({
    per_payment_max_atomic: nullableAtomicField("Largest single payment"),
    per_payment_max_usdc: nullableUsdcField("Largest single payment"),
    daily_max_atomic: nullableAtomicField("Most spent per UTC day"),
    daily_max_usdc: nullableUsdcField("Most spent per UTC day"),
    allowed_vendor_ids: z.array(z.string()).nullable().describe("Only these vendors (user ids) may be paid; null: any"),
  }),
  access: "read",
  annotations: { title: "Agent spending limits", ...readOnly },
  async run(call) {
    const l = await getLimits(call.ctx);
    const atomic = (v: bigint | null) => (v === null ? null : v.toString());
    const usdc = (v: bigint | null) => (v === null ? null : atomicToUsdc(call, v));
    const data = {
      per_payment_max_atomic: atomic(l.per_payment_max_atomic),
      per_payment_max_usdc: usdc(l.per_payment_max_atomic),
      daily_max_atomic: atomic(l.daily_max_atomic),
      daily_max_usdc: usdc(l.daily_max_atomic),
      allowed_vendor_ids: l.allowed_vendor_ids?.map(String) ?? null,
    };
    const text =
      `Per payment: ${data.per_payment_max_usdc === null ? "no limit" : `at most ${data.per_payment_max_usdc} USDC`}; ` +
      `per UTC day: ${data.daily_max_usdc === null ? "no limit" : `at most ${data.daily_max_usdc} USDC`}; ` +
      `vendors: ${data.allowed_vendor_ids === null ? "any" : data.allowed_vendor_ids.length === 0 ? "none allowed" : `only ${data.allowed_vendor_ids.join(", ")}`}.`;
    return { data, text };
  },
});

export const depositAddressTool = defineTool({
  name: "deposit_address",
  title: "Where to deposit USDC",
  description:
    "Where a wallet sends USDC (Solana SPL transfer) to fund the calling agent: the vault token account, the mint, and the memo that names " +
    "this agent (needed when the sending wallet is not the agent's own). Needs the agent's credentials.",
  input: z.strictObject({}),
  output: z.object({
    vault_token_account: z.string().describe("Send USDC (transferChecked) to this token account"),
    vault_owner: z.string().describe("The vault token account's owner"),
    token_mint: z.string(),
    decimals: z.number().int(),
    memo: z.string().describe("Add this memo when the sending wallet is not one MachPay knows as this agent's"),
  }),
  access: "read",
  annotations: { title: "Where to deposit USDC", ...readOnly },
  async run(call) {
    const data = depositAddressOf(call.deps.config, call.ctx.actor);
    const text =
      `Send USDC (mint ${data.token_mint}, ${data.decimals} decimals) to the token account ${data.vault_token_account} ` +
      `(owner ${data.vault_owner}) with the memo "${data.memo}". It is credited once the transfer is final.`;
    return { data, text };
  },
});
