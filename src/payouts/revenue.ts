import { z } from "@hono/zod-openapi";
import { AppError } from "@/core/errors";
import type { Ctx } from "@/db/context";
import { vendorRevenueBuckets } from "./queries";

// A vendor's revenue over time (the account page's chart): earnings per hour over the last day,
// or per day over the last week or month, UTC, from the ledger's confirmed payments.

export const REVENUE_PERIODS = { "24h": { unit: "hour", buckets: 24 }, "7d": { unit: "day", buckets: 7 }, "30d": { unit: "day", buckets: 30 } } as const;
export type RevenuePeriod = keyof typeof REVENUE_PERIODS;

export const RevenueSeriesSchema = z
  .object({
    period: z.enum(["24h", "7d", "30d"]),
    unit: z.enum(["hour", "day"]).openapi({ description: "Width of each bucket (UTC)" }),
    token_mint: z.string(),
    buckets: z
      .array(
        z.object({
          start: z.string().openapi({ format: "date-time", description: "Start of the bucket (UTC)" }),
          revenue_atomic: z.string().regex(/^\d+$/).openapi({ description: "Earned in the bucket: confirmed payments less fees", example: "125000" }),
          payment_count: z.number().int().min(0),
        }),
      )
      .openapi({ description: "Oldest first; the last bucket is the current, unfinished one" }),
  })
  .openapi("VendorRevenueSeries");

export type RevenueSeries = z.infer<typeof RevenueSeriesSchema>;

export async function getVendorRevenue(ctx: Ctx, input: { period: RevenuePeriod; tokenMint: string }): Promise<RevenueSeries> {
  if (ctx.actor.kind !== "user") throw new AppError("unauthorized", "sign in first");
  const { unit, buckets } = REVENUE_PERIODS[input.period];
  const now = ctx.clock.now();
  const from = new Date(now.getTime() - (buckets - 1) * (unit === "hour" ? 3_600_000 : 86_400_000));
  const rows = await vendorRevenueBuckets(ctx.sql, ctx.actor.userId, unit, from, now);
  return {
    period: input.period,
    unit,
    token_mint: input.tokenMint,
    buckets: rows.map((r) => ({ start: r.start.toISOString(), revenue_atomic: r.revenue.toString(), payment_count: Number(r.payments) })),
  };
}
