import { AppError } from "@/core/errors";
import type { Tx } from "@/db/client";
import { withTransaction } from "@/db/transaction";
import { findUserByGoogleSub, setGoogleSub, upsertUserByEmail, type UserRow } from "../queries/users";
import type { SessionDTO } from "../schemas";
import { issueSession, type SessionCtx } from "../sessions";
import { invalidIdToken, type GoogleIdentity, type GoogleVerifier } from "./verifier";

export interface GoogleLoginCtx extends SessionCtx {
  /** The app's one verifier; undefined when GOOGLE_CLIENT_ID is unset (Google sign-in is off). */
  google: GoogleVerifier | undefined;
}

// users.name is VARCHAR(100): a longer Google display name is cut rather than failing the login.
const MAX_NAME_CHARS = 100;

/** Signs in with a Google ID token: the account of this Google subject, else of its verified email. */
export async function loginWithGoogle(ctx: GoogleLoginCtx, input: { idToken: string }): Promise<SessionDTO> {
  if (!ctx.google) {
    throw new AppError("google_login_disabled", "Google sign-in is not enabled on this server (GOOGLE_CLIENT_ID is unset)");
  }
  const identity = await ctx.google.verify(input.idToken, ctx.clock.now(), ctx.log);
  const email = identity.email;
  if (!email) throw invalidIdToken("it carries no email address (request the email scope)");
  if (!identity.emailVerified) {
    throw new AppError("email_not_verified", "Google has not verified this account's email address");
  }
  const user = await withTransaction(ctx.sql, (tx) => findOrCreateUser(tx, identity.sub, email, displayName(identity)));
  return issueSession(ctx, user);
}

/**
 * The subject decides first: it never changes, while an account's email can. Otherwise the email,
 * verified by Google, joins this login to the email-OTP account of the same person (or creates
 * an observer), and the subject is linked so later logins no longer depend on the email.
 */
async function findOrCreateUser(tx: Tx, sub: string, email: string, name: string | undefined): Promise<UserRow> {
  const linked = await findUserByGoogleSub(tx, sub);
  if (linked) return linked;
  const { user } = await upsertUserByEmail(tx, email, name);
  // Also fills a missing name (an email user's first Google login); never overwrites one.
  // The update only links an account that has no Google subject yet (or this one), so two
  // different Google accounts racing for one email cannot both win.
  const updated = user.google_sub === null || user.google_sub === sub ? await setGoogleSub(tx, user.id, sub, name) : undefined;
  if (!updated) {
    // Another Google account already owns this email's account (e.g. an address that moved
    // between Google accounts): relinking would hand the account to whoever holds the new one.
    throw new AppError("google_account_conflict", "this email's account is linked to a different Google account; sign in with that one or with an email code");
  }
  return updated;
}

function displayName(identity: GoogleIdentity): string | undefined {
  const name = identity.name?.trim();
  if (!name) return undefined;
  // By code points, so a cut never splits a surrogate pair.
  return Array.from(name).slice(0, MAX_NAME_CHARS).join("");
}
