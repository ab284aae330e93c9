import { findUserById, type Secrets } from "@/auth";
import type { Ctx } from "@/db/context";
import { findProfileOfUser } from "@/profiles";
import { renderEmail } from "./emails";
import { postTo } from "./http-post";
import type { Mailer } from "@/core/mailer";
import { claimDueDeliveries, recordOutcome, type ClaimedDelivery, type DeliveryOutcome } from "./queries";
import { openSecret, signBody } from "./signing";
import { resolveTarget, TargetRefused, type ResolvedTarget } from "./target";

// One pass of the delivery worker: claim due deliveries, attempt each, record each outcome.

export interface DeliveryCtx extends Ctx {
  mailer: Mailer;
  secrets: Secrets;
  allowPrivateTargets: boolean;
  webhookTimeoutMs: number;
  /** Decimals of the mint amounts are kept in (USDC: 6), for email text. */
  decimals: number;
}

/** Waits before retries 1..4 (issue 7): 1 min, 5 min, 30 min, 2 h; the 5th failed attempt gives up. */
export const BACKOFF_MS = [60_000, 5 * 60_000, 30 * 60_000, 2 * 60 * 60_000] as const;
/** How long a claimed row stays claimed: longer than any attempt (timeouts: HTTP 60 s max, SMTP 40 s). */
const LEASE_MS = 5 * 60_000;
/** Attempted concurrently: a slow receiver costs the pass its timeout, not one timeout per row. */
const BATCH = 16;

type Attempt = { kind: "ok"; httpStatus: number | null } | { kind: "retry"; error: string; httpStatus: number | null } | { kind: "final"; status: "failed" | "skipped"; error: string };

export const eventIdOf = (notificationId: bigint) => `evt_${notificationId}`;

async function attemptEmail(ctx: DeliveryCtx, d: ClaimedDelivery): Promise<Attempt> {
  // At most once: an attempt whose worker died mid-send may have been accepted by the relay.
  if (d.was_in_flight) return { kind: "final", status: "failed", error: "previous attempt's outcome unknown (worker stopped mid-send); not resent" };
  const user = await findUserById(ctx.sql, d.user_id);
  if (!user?.email) return { kind: "final", status: "skipped", error: "the user has no email address" };
  const agentId = typeof d.payload.agent_id === "string" && /^\d{1,18}$/.test(d.payload.agent_id) ? BigInt(d.payload.agent_id) : null;
  const agentName = agentId === null ? null : ((await findProfileOfUser(ctx, agentId))?.name ?? null);
  const email = renderEmail(d.type, { payload: d.payload, decimals: ctx.decimals, agentName });
  if (!email) return { kind: "final", status: "skipped", error: `no email for type ${d.type}` };
  try {
    await ctx.mailer.send({ to: user.email, ...email });
    return { kind: "ok", httpStatus: null };
  } catch (err) {
    return { kind: "retry", error: `SMTP: ${(err as Error).message}`, httpStatus: null };
  }
}

async function attemptWebhook(ctx: DeliveryCtx, d: ClaimedDelivery): Promise<Attempt> {
  const secret = d.webhook_id !== null && d.secret_sealed ? openSecret(ctx.secrets, d.webhook_id, d.secret_sealed) : null;
  if (!secret) return { kind: "retry", error: "the webhook secret cannot be opened (was API_KEY_PEPPER changed?)", httpStatus: null };
  const eventId = eventIdOf(d.notification_id);
  const body = JSON.stringify({ id: eventId, type: d.type, created_at: d.created_at.toISOString(), data: d.payload });
  let target: ResolvedTarget;
  try {
    // Checked again at every attempt, and the request goes to the address checked (DNS rebinding).
    target = await resolveTarget(d.url!, ctx.allowPrivateTargets);
  } catch (err) {
    if (!(err instanceof TargetRefused)) throw err;
    return { kind: "retry", error: `target refused: ${err.message}`, httpStatus: null };
  }
  const headers = { "x-machpay-signature": signBody(secret, body), "x-machpay-event-id": eventId };
  const outcome = await postTo(target, body, headers, ctx.webhookTimeoutMs);
  return outcome.ok ? { kind: "ok", httpStatus: outcome.status } : { kind: "retry", error: outcome.error, httpStatus: outcome.status };
}

function outcomeOf(ctx: DeliveryCtx, d: ClaimedDelivery, a: Attempt): DeliveryOutcome {
  const now = ctx.clock.now();
  if (a.kind === "ok") return { status: "delivered", httpStatus: a.httpStatus, now };
  if (a.kind === "final") return { status: a.status, error: a.error, httpStatus: null };
  const wait = BACKOFF_MS[d.attempts - 1];
  if (wait === undefined) return { status: "failed", error: `gave up after ${d.attempts} attempts: ${a.error}`, httpStatus: a.httpStatus };
  return { status: "pending", nextAttemptAt: new Date(now.getTime() + wait), error: a.error, httpStatus: a.httpStatus };
}

export interface PassResult {
  claimed: number;
  delivered: number;
  retrying: number;
  failed: number;
  skipped: number;
  /** A full batch was claimed: more may be due now. */
  more: boolean;
}

/** Claims and attempts up to one batch of due deliveries. */
export async function deliverDue(ctx: DeliveryCtx): Promise<PassResult> {
  const now = ctx.clock.now();
  const claimed = await claimDueDeliveries(ctx.sql, now, new Date(now.getTime() + LEASE_MS), BATCH);
  const result: PassResult = { claimed: claimed.length, delivered: 0, retrying: 0, failed: 0, skipped: 0, more: claimed.length === BATCH };
  await Promise.all(
    claimed.map(async (d) => {
      let a: Attempt;
      try {
        a = d.channel === "email" ? await attemptEmail(ctx, d) : await attemptWebhook(ctx, d);
      } catch (err) {
        ctx.log.error("delivery attempt failed unexpectedly", { err, delivery_id: d.id.toString() });
        a = { kind: "retry", error: "internal error", httpStatus: null };
      }
      const outcome = outcomeOf(ctx, d, a);
      await recordOutcome(ctx.sql, d.id, d.attempts, outcome);
      const fields = { delivery_id: d.id.toString(), channel: d.channel, type: d.type, attempt: d.attempts };
      if (outcome.status === "delivered") result.delivered++;
      else if (outcome.status === "pending") {
        result.retrying++;
        ctx.log.info("delivery failed; will retry", { ...fields, error: outcome.error, next_attempt_at: outcome.nextAttemptAt.toISOString() });
      } else if (outcome.status === "failed") {
        result.failed++;
        ctx.log.warn("delivery given up", { ...fields, error: outcome.error });
      } else {
        result.skipped++;
        ctx.log.debug("delivery skipped", { ...fields, reason: outcome.error });
      }
    }),
  );
  return result;
}
