import type { Secrets } from "@/auth";
import type { UserActor } from "@/core/actor";
import type { Ctx } from "@/db/context";
import { decodeCursor, encodeCursor } from "@/core/cursor";
import { AppError } from "@/core/errors";
import { withTransaction } from "@/db/transaction";
import { countWebhooks, deleteWebhookOfUser, insertWebhook, listWebhooksOfUser, lockUserWebhooks, reserveWebhookId, type WebhookRow } from "./queries";
import type { CreateWebhookInput } from "./schemas";
import { newWebhookSecret, sealSecret } from "./signing";
import { resolveTarget, TargetRefused } from "./target";
import { ALL_EVENTS } from "./types";

// Webhook endpoints: any signed-in user manages their own (JWT, or an API key within its
// permissions); another user's webhook does not exist for them (404).

export interface WebhookCtx extends Ctx {
  secrets: Secrets;
  allowPrivateTargets: boolean;
}

export const MAX_WEBHOOKS = 10;
/** Webhook ids as the API shows them: a BIGSERIAL within int8. */
export const ID_PATTERN = /^[1-9]\d{0,17}$/;

function owner(ctx: Ctx): UserActor {
  if (ctx.actor.kind !== "user") throw new AppError("unauthorized", "sign in first");
  return ctx.actor;
}

function refused(err: TargetRefused): AppError {
  if (err.reason === "scheme" || err.reason === "credentials") {
    return new AppError("invalid_request", `invalid body: url: ${err.message}`, {
      details: { issues: [{ field: "url", location: "json", message: err.message }] },
    });
  }
  const code = err.reason === "unresolvable" ? "webhook_url_unresolvable" : "webhook_url_forbidden";
  return new AppError(code, err.message, { details: { reason: err.reason } });
}

/** "*" stands for everything, so it is stored alone; other types once each, in a stable order. */
const normalizeEvents = (events: readonly string[]) => (events.includes(ALL_EVENTS) ? [ALL_EVENTS] : [...new Set(events)].sort());

/** Creates a webhook; the secret is returned here and never again (it is stored sealed). */
export async function createWebhook(ctx: WebhookCtx, input: CreateWebhookInput): Promise<{ row: WebhookRow; secret: string }> {
  const user = owner(ctx);
  try {
    await resolveTarget(input.url, ctx.allowPrivateTargets);
  } catch (err) {
    if (err instanceof TargetRefused) throw refused(err);
    throw err;
  }
  const secret = newWebhookSecret();
  const row = await withTransaction(ctx.sql, async (tx) => {
    await lockUserWebhooks(tx, user.userId);
    if ((await countWebhooks(tx, user.userId)) >= MAX_WEBHOOKS) {
      throw new AppError("webhook_limit_reached", `at most ${MAX_WEBHOOKS} webhooks per user: delete one first`, {
        details: { limit: MAX_WEBHOOKS },
      });
    }
    const id = await reserveWebhookId(tx);
    return insertWebhook(tx, {
      id,
      userId: user.userId,
      url: input.url,
      events: normalizeEvents(input.events),
      secretSealed: sealSecret(ctx.secrets, id, secret),
      now: ctx.clock.now(),
    });
  });
  return { row, secret };
}

function cursorId(cursor: string): bigint {
  const { id } = decodeCursor(cursor, ["id"]);
  if (!ID_PATTERN.test(id)) throw new AppError("invalid_request", "cursor is not one this API returned", { details: { issues: [{ field: "cursor", location: "query", message: "invalid cursor" }] } });
  return BigInt(id);
}

/** The caller's webhooks, newest first, without their secrets. */
export async function listWebhooks(ctx: Ctx, input: { limit?: number | undefined; cursor?: string | undefined }) {
  const user = owner(ctx);
  const limit = input.limit ?? 50;
  const beforeId = input.cursor ? cursorId(input.cursor) : null;
  const rows = await listWebhooksOfUser(ctx.sql, user.userId, beforeId, limit + 1);
  const page = rows.slice(0, limit);
  return { rows: page, nextCursor: rows.length > limit ? encodeCursor({ id: page.at(-1)!.id.toString() }) : null };
}

export async function deleteWebhook(ctx: Ctx, input: { id: string }): Promise<void> {
  const user = owner(ctx);
  const id = BigInt(input.id);
  if (!(await deleteWebhookOfUser(ctx.sql, user.userId, id))) {
    throw new AppError("webhook_not_found", "no such webhook");
  }
}
