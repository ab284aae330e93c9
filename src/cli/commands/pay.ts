import { send } from "../api";
import type { CliContext } from "../context";
import { usageError } from "../errors";
import { parseUsdc, showUsdc } from "../money";
import { accountApi } from "../session";

// `machpay pay <service-or-vendor> <usdc>` and `machpay agent transactions`. A payment carries an
// Idempotency-Key (ours, or --idempotency-key to retry a payment whose outcome is unknown: the
// same key never pays twice), printed so a person can retry with it.

export async function payCommand(ctx: CliContext, to: string | undefined, amount: string | undefined, options: { reference: string | undefined; idempotencyKey: string | undefined }) {
  if (!to) throw usageError("missing the payee: machpay pay <service-id or vendor id> <usdc>");
  const atomic = parseUsdc(amount, "the amount");
  const { api } = accountApi(ctx);
  const key = options.idempotencyKey ?? crypto.randomUUID();
  ctx.out.info(`Idempotency-Key: ${key}`);
  const paid = await send(
    api,
    api.client.POST("/v1/agent/pay", {
      ...api.init(),
      headers: { "Idempotency-Key": key },
      body: { to, amount_atomic: atomic, ...(options.reference ? { reference: options.reference } : {}) },
    }),
  );
  const tx = paid.transaction;
  ctx.out.result({ idempotency_key: key, transaction: tx, balance: paid.balance }, [
    `Paid ${showUsdc(tx.amount_atomic, "amount_atomic")} to ${tx.service_id ?? `vendor ${tx.to_vendor_id}`}: ${tx.id} (${tx.status})`,
    `Available: ${showUsdc(paid.balance.available_atomic, "available_atomic")}`,
  ]);
}

export async function transactionsCommand(ctx: CliContext, options: { limit: string | undefined }) {
  const limit = options.limit === undefined ? 20 : Number(options.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 200) throw usageError(`--limit must be a whole number from 1 to 200, not ${options.limit}`);
  const { api } = accountApi(ctx);
  const page = await send(api, api.client.GET("/v1/agent/transactions", { ...api.init(), params: { query: { limit } } }));
  const lines = page.data.length === 0 ? ["No transactions yet."] : page.data.map(
    (tx) => `${tx.created_at}  ${tx.id}  ${showUsdc(tx.amount_atomic, "amount_atomic").padStart(16)}  ${tx.status.padEnd(9)}  ${tx.service_id ?? `vendor ${tx.to_vendor_id}`}`,
  );
  ctx.out.result({ transactions: page.data, next_cursor: page.next_cursor }, lines);
}
