import { send } from "../api";
import type { CliContext } from "../context";
import { usageError } from "../errors";
import { parseUsdc, showUsdc } from "../money";
import { accountApi } from "../session";

// The vendor's commands: `machpay vendor endpoints add|list`, `vendor payout <usdc>`, `vendor stats`.

export async function endpointsAddCommand(
  ctx: CliContext,
  name: string | undefined,
  options: { price: string | undefined; url: string | undefined; id: string | undefined; description: string | undefined; serviceType: string | undefined },
) {
  if (!name) throw usageError("missing the endpoint's name: machpay vendor endpoints add <name> --price USDC --url URL");
  if (!options.url) throw usageError("missing --url: the gateway URL agents call");
  const price = parseUsdc(options.price, "--price");
  const { api } = accountApi(ctx);
  const endpoint = await send(
    api,
    api.client.POST("/v1/vendor/endpoints", {
      ...api.init(),
      body: {
        name,
        gateway_url: options.url,
        price_atomic: price,
        ...(options.id ? { id: options.id } : {}),
        // Search ranks on the description: the name stands in for it when none is given.
        description: options.description ?? name,
        service_type: options.serviceType ?? "api",
      },
    }),
  );
  ctx.out.result({ endpoint }, [`Endpoint ${endpoint.id} listed at ${showUsdc(endpoint.price_atomic, "price_atomic")} per call (${endpoint.gateway_url})`]);
}

export async function endpointsListCommand(ctx: CliContext) {
  const { api } = accountApi(ctx);
  const page = await send(api, api.client.GET("/v1/vendor/endpoints", { ...api.init(), params: { query: { limit: 200 } } }));
  const lines = page.data.length === 0 ? ["No endpoints yet: machpay vendor endpoints add <name> --price USDC --url URL"] : page.data.map(
    (e) => `${e.id.padEnd(28)} ${showUsdc(e.price_atomic, "price_atomic").padStart(14)}  ${e.is_active ? "active  " : "inactive"}  ${e.gateway_url}`,
  );
  ctx.out.result({ endpoints: page.data, next_cursor: page.next_cursor }, lines);
}

export async function payoutCommand(ctx: CliContext, amount: string | undefined, options: { to: string | undefined; reference: string | undefined }) {
  const atomic = parseUsdc(amount, "the amount");
  const { api } = accountApi(ctx);
  // The reference is the payout's identity at the API (unique per vendor) and doubles as the
  // Idempotency-Key: a retry with the same --reference never pays out twice.
  const reference = options.reference ?? `cli-${crypto.randomUUID()}`;
  ctx.out.info(`Reference: ${reference}`);
  const payout = await send(
    api,
    api.client.POST("/v1/vendor/payout", {
      ...api.init(),
      headers: { "Idempotency-Key": reference },
      body: { amount_atomic: atomic, reference, ...(options.to ? { destinationWallet: options.to } : {}) },
    }),
  );
  ctx.out.result({ payout }, [`Payout ${payout.id}: ${showUsdc(payout.amount_atomic, "amount_atomic")} to ${payout.destinationWallet} (${payout.status})`]);
}

export async function statsCommand(ctx: CliContext) {
  const { api } = accountApi(ctx);
  const stats = await send(api, api.client.GET("/v1/vendor/stats", api.init()));
  const p50 = stats.latency_ms.p50;
  ctx.out.result({ stats }, [
    `Revenue: ${showUsdc(stats.revenue_atomic, "revenue_atomic")} from ${stats.payment_count} payment${stats.payment_count === 1 ? "" : "s"}`,
    `Unsettled: ${showUsdc(stats.unsettled_atomic, "unsettled_atomic")}   Settled: ${showUsdc(stats.settled_atomic, "settled_atomic")}   Payouts pending: ${showUsdc(stats.payouts_pending_atomic, "payouts_pending_atomic")}`,
    `Latency p50: ${p50 === null ? "-" : `${p50} ms`}`,
  ]);
}
