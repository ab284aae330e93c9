import type { Ctx } from "@/db/context";
import { AppError } from "@/core/errors";
import type { Tx } from "@/db/client";
import { withTransaction } from "@/db/transaction";
import { rateLimitedError, type LimitResult, type RateLimiter } from "@/http/rate-limit/limiter";
import type { Mailer } from "@/core/mailer";
import {
  consumeOtp,
  insertOtp,
  invalidateLiveCodes,
  invalidateOtp,
  lockEmailForSend,
  lockNewestOtp,
  recordWrongAttempt,
  sendsSince,
} from "../queries/otps";
import { upsertUserByEmail } from "../queries/users";
import type { SessionDTO } from "../schemas";
import { sameDigest, type Secrets } from "../secrets";
import { issueSession, type SessionCtx } from "../sessions";
import {
  generateCode,
  hashCode,
  OTP_MAX_ATTEMPTS,
  OTP_SENDS_PER_EMAIL,
  OTP_SENDS_PER_IP,
  OTP_TTL_SECONDS,
  OTP_WINDOW_SECONDS,
  otpMail,
} from "./codes";

export interface SendOtpCtx extends Ctx {
  secrets: Secrets;
  mailer: Mailer;
  rateLimiter: RateLimiter;
}

export interface VerifyOtpCtx extends SessionCtx {
  secrets: Secrets;
}

export const normaliseEmail = (email: string) => email.trim().toLowerCase();

/**
 * Mails a fresh code. The answer never depends on whether the address has an account (no
 * enumeration): every address gets a code, a row and a mail alike.
 */
export async function sendOtp(ctx: SendOtpCtx, input: { email: string; ip: string }): Promise<{ expiresInSeconds: number }> {
  const email = normaliseEmail(input.email);
  const perIp = await ctx.rateLimiter.check("otp-ip", input.ip, OTP_SENDS_PER_IP, OTP_WINDOW_SECONDS);
  if (!perIp.allowed) throw rateLimitedError(perIp, "too many sign-in codes requested from this IP address; retry later");

  const code = generateCode();
  const now = ctx.clock.now();
  const expiresAt = new Date(now.getTime() + OTP_TTL_SECONDS * 1000);
  const outcome = await withTransaction(ctx.sql, async (tx) => {
    await lockEmailForSend(tx, email);
    const limited = await checkEmailWindow(tx, email, now);
    if (limited) return { limited };
    await invalidateLiveCodes(tx, email, now);
    return { id: await insertOtp(tx, { email, codeHash: hashCode(ctx.secrets, email, code), expiresAt, ip: input.ip, now }) };
  });
  if ("limited" in outcome) throw rateLimitedError(outcome.limited, `at most ${OTP_SENDS_PER_EMAIL} sign-in codes per email address per hour; retry later`);

  // After COMMIT: a mail never names a code the database does not hold.
  try {
    await ctx.mailer.send({ to: email, ...otpMail(code, expiresAt) });
  } catch (err) {
    await mailFailed(ctx, outcome.id, err);
  }
  return { expiresInSeconds: OTP_TTL_SECONDS };
}

/** The hourly per-address limit, counted from the codes themselves: exact, and shared by every instance. */
async function checkEmailWindow(tx: Tx, email: string, now: Date): Promise<LimitResult | undefined> {
  const { count, oldest } = await sendsSince(tx, email, new Date(now.getTime() - OTP_WINDOW_SECONDS * 1000));
  if (count < OTP_SENDS_PER_EMAIL || !oldest) return undefined;
  // The window slides: a send is possible again once the oldest send in it is an hour old.
  const freeAtMs = oldest.getTime() + OTP_WINDOW_SECONDS * 1000;
  return {
    allowed: false,
    limit: OTP_SENDS_PER_EMAIL,
    remaining: 0,
    reset: Math.ceil(freeAtMs / 1000),
    retryAfter: Math.max(1, Math.ceil((freeAtMs - now.getTime()) / 1000)),
  };
}

/**
 * Nodemailer's mark of a failure specific to the recipient: the relay refused RCPT TO, or the
 * address could not be put on the envelope at all.
 */
function recipientRefused(err: unknown): boolean {
  const e = err as { code?: unknown; command?: unknown } | null;
  return e?.code === "EENVELOPE" && (e.command === "RCPT TO" || e.command === "API");
}

/**
 * A relay that refuses this one recipient is answered like a delivered mail, or the answer
 * would depend on the address. Any other failure (relay down, refusing our sender, timeout,
 * auth) is the same for every address, so it is reported honestly as 503 rather than claiming
 * a mail went out, and the undelivered code is killed. Neither the code nor the body is logged.
 */
async function mailFailed(ctx: SendOtpCtx, otpId: bigint, err: unknown): Promise<void> {
  const e = err as { name?: unknown; message?: unknown; code?: unknown; command?: unknown; responseCode?: unknown } | null;
  const info = { name: e?.name, message: e?.message, code: e?.code, command: e?.command, response_code: e?.responseCode };
  if (recipientRefused(err)) {
    ctx.log.warn("sign-in code mail refused by the relay", { otp_id: otpId, err: info });
    return;
  }
  ctx.log.error("sign-in code mail failed", { otp_id: otpId, err: info });
  await invalidateOtp(ctx.sql, otpId, ctx.clock.now());
  throw new AppError("mail_unavailable", "the sign-in code could not be mailed right now; retry shortly", {
    headers: { "Retry-After": "30" },
  });
}

const otpInvalid = (attemptsRemaining?: number) =>
  new AppError("otp_invalid", "the code is wrong, already used, or was replaced by a newer one", {
    ...(attemptsRemaining === undefined ? {} : { details: { attempts_remaining: attemptsRemaining } }),
  });

/**
 * Signs in with the newest code of the address, creating the user (an observer) on first login.
 * Checks and consumption run under the code's row lock; failures are thrown after COMMIT so a
 * wrong try stays counted.
 */
export async function verifyOtp(ctx: VerifyOtpCtx, input: { email: string; code: string }): Promise<SessionDTO> {
  const email = normaliseEmail(input.email);
  const outcome = await withTransaction(ctx.sql, async (tx) => {
    const now = ctx.clock.now();
    const row = await lockNewestOtp(tx, email);
    if (!row || row.consumed_at) return { error: otpInvalid() };
    if (row.invalidated_at) {
      if (row.attempts < OTP_MAX_ATTEMPTS) return { error: otpInvalid() };
      return { error: new AppError("otp_exhausted", "too many wrong tries killed this code; request a new one") };
    }
    if (row.expires_at <= now) {
      return { error: new AppError("otp_expired", "the code has expired; request a new one") };
    }
    if (!sameDigest(row.code_hash, hashCode(ctx.secrets, email, input.code))) {
      const attempts = await recordWrongAttempt(tx, row.id, now, OTP_MAX_ATTEMPTS);
      return { error: otpInvalid(Math.max(0, OTP_MAX_ATTEMPTS - attempts)) };
    }
    if (!(await consumeOtp(tx, row.id, now, OTP_MAX_ATTEMPTS))) return { error: otpInvalid() };
    const { user } = await upsertUserByEmail(tx, email);
    // Same transaction: if issuing the session fails, the code is not spent.
    return { session: await issueSession({ ...ctx, sql: tx }, user) };
  });
  if ("error" in outcome) throw outcome.error;
  return outcome.session;
}
