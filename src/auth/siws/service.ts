import type { Ctx } from "@/db/context";
import { unixSeconds } from "@/core/clock";
import { AppError, type ErrorCodeWithStatus } from "@/core/errors";
import { randomBase62 } from "@/core/ids";
import { verifyEd25519 } from "@/core/solana";
import { withTransaction } from "@/db/transaction";
import { consumeNonce, findNonce, insertNonce, pruneExpiredNonces, recordNonceFailure, type NonceRow } from "../queries/nonces";
import { upsertUserByWallet } from "../queries/users";
import type { SessionDTO } from "../schemas";
import { issueSession, type SessionCtx } from "../sessions";
import { checkSignedMessage } from "./match";
import { buildSiwsMessage, parseSiwsMessage, type SiwsMessage } from "./message";
import type { ChallengeDTO } from "./schemas";

// Sign-In-With-Solana (contract.md "Identity"): a challenge issues a nonce bound to an address;
// a login proves control of that address by an Ed25519 signature over a SIWS message carrying
// the nonce (or, in lld-backend.md 3.1's raw form, over the nonce itself).

export const NONCE_TTL_SECONDS = 300;
export const MAX_NONCE_FAILURES = 5;
/** 22 base62 characters carry 131 random bits (the contract asks for >= 96). */
const NONCE_LENGTH = 22;
/** Expired nonces are kept an hour so that a late login hears "expired" rather than "unknown". */
const PRUNE_AFTER_MS = 3600_000;

export interface SiwsSettings {
  /** SIWS_DOMAIN: the only domain a signed message may name. */
  domain: string;
  /** PUBLIC_URL, the message's URI. */
  uri: string;
  statement: string;
  /** SOLANA_CLUSTER: the chain the server's ledger settles on. */
  chainId: string;
}

export interface SiwsCtx extends Ctx {
  siws: SiwsSettings;
}

export async function issueChallenge(ctx: SiwsCtx, input: { address: string }): Promise<ChallengeDTO> {
  // Whole seconds, so that expiresAt, the message's Expiration Time and the row agree exactly.
  const issuedAt = new Date(unixSeconds(ctx.clock.now()) * 1000);
  const expiresAt = new Date(issuedAt.getTime() + NONCE_TTL_SECONDS * 1000);
  const nonce = randomBase62(NONCE_LENGTH);
  await insertNonce(ctx.sql, { nonce, address: input.address, issuedAt, expiresAt });
  await pruneExpiredNonces(ctx.sql, new Date(issuedAt.getTime() - PRUNE_AFTER_MS), 100);
  const message = buildSiwsMessage(challengeFields(ctx.siws, { nonce, address: input.address, issued_at: issuedAt, expires_at: expiresAt }));
  return { nonce, expires_at: unixSeconds(expiresAt), expiresAt: unixSeconds(expiresAt), message };
}

/**
 * The challenge's fields, from the nonce's row and the settings: the same at issue and at login,
 * so the login can hold the signed message to what was issued without storing the text.
 */
function challengeFields(settings: SiwsSettings, row: Pick<NonceRow, "nonce" | "address" | "issued_at" | "expires_at">): SiwsMessage {
  return {
    domain: settings.domain,
    address: row.address,
    statement: settings.statement,
    uri: settings.uri,
    version: "1",
    chainId: settings.chainId,
    nonce: row.nonce,
    issuedAt: isoSeconds(row.issued_at),
    expirationTime: isoSeconds(row.expires_at),
  };
}

/** 2025-01-01T00:00:00Z: the times are whole seconds, so the milliseconds are noise. */
const isoSeconds = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, "Z");

export interface WalletLogin {
  address: string;
  /** base58, already checked to decode to 64 bytes. */
  signature: string;
  message?: string | undefined;
  /** The raw-nonce form: the signature is over this string when there is no message. */
  nonce?: string | undefined;
}

const unauthorized = (code: ErrorCodeWithStatus<401>, message: string) => new AppError(code, message);
const nonceInvalid = () => unauthorized("nonce_invalid", "unknown nonce, or not issued for this address; request a new challenge");

/**
 * Verifies a wallet login and opens a session, creating the user (an observer) on first login.
 * Every failure that names a known nonce counts against it; the fifth kills it. Must run on
 * the pool, not inside a caller's transaction, so that those counts survive the thrown error.
 */
export async function loginWithWallet(ctx: SessionCtx & SiwsCtx, input: WalletLogin): Promise<SessionDTO> {
  const { nonce, signed, siws } = signedPayload(input);
  const row = await findNonce(ctx.sql, nonce);
  if (!row) throw nonceInvalid();

  const failure = checkLogin(ctx, row, input, siws) ?? (await checkSignature(input, signed));
  if (failure) {
    const failedAttempts = await recordNonceFailure(ctx.sql, nonce);
    ctx.log.info("wallet login refused", { code: failure.code, failed_attempts: failedAttempts ?? null });
    throw failure;
  }

  const now = ctx.clock.now();
  return withTransaction(ctx.sql, async (tx) => {
    const consumed = await consumeNonce(tx, { nonce, address: input.address, now, maxFailures: MAX_NONCE_FAILURES });
    // Lost a race with a concurrent login (or a failure that killed the nonce meanwhile).
    if (!consumed) throw unauthorized("nonce_used", "this nonce was already used; request a new challenge");
    const { user, created } = await upsertUserByWallet(tx, input.address);
    if (created) ctx.log.info("user created by wallet login", { user_id: user.id.toString() });
    return issueSession({ ...ctx, sql: tx }, user);
  });
}

/** What was signed, and which nonce it claims. */
function signedPayload(input: WalletLogin): { nonce: string; signed: Uint8Array; siws?: SiwsMessage } {
  if (input.message === undefined) {
    // The schema requires `nonce` when there is no message.
    const nonce = input.nonce ?? "";
    return { nonce, signed: new TextEncoder().encode(nonce) };
  }
  const siws = parseSiwsMessage(input.message);
  if (!siws.nonce) {
    throw new AppError("siws_message_malformed", "message has no 'Nonce:' line; sign the message from POST /v1/auth/challenge", {
      details: { reason: "no Nonce line" },
    });
  }
  if (input.nonce !== undefined && input.nonce !== siws.nonce) {
    throw new AppError("invalid_request", "nonce differs from the message's Nonce", {
      details: { issues: [{ field: "nonce", location: "json", message: "differs from the message's Nonce line" }] },
    });
  }
  return { nonce: siws.nonce, signed: new TextEncoder().encode(input.message), siws };
}

/** The nonce's state, then the message's claims; the first failure, if any. */
function checkLogin(ctx: SiwsCtx, row: NonceRow, input: WalletLogin, siws: SiwsMessage | undefined): AppError | undefined {
  const now = ctx.clock.now();
  if (row.consumed_at) return unauthorized("nonce_used", "this nonce was already used; request a new challenge");
  if (row.failed_attempts >= MAX_NONCE_FAILURES) {
    return unauthorized("nonce_invalid", "this nonce saw too many failed logins; request a new challenge");
  }
  if (row.address !== input.address) return nonceInvalid();
  if (row.expires_at <= now) return unauthorized("nonce_expired", "this nonce expired; request a new challenge");
  if (!siws) return undefined;
  return checkSignedMessage(siws, challengeFields(ctx.siws, row), now);
}

async function checkSignature(input: WalletLogin, signed: Uint8Array): Promise<AppError | undefined> {
  const ok = await verifyEd25519(input.address, input.signature, signed);
  return ok ? undefined : unauthorized("invalid_signature", "signature does not verify for this address and message");
}
