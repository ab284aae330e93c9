import { AppError, type ErrorCodeWithStatus } from "@/core/errors";
import { FIELDS, type SiwsMessage } from "./message";

// What a signed SIWS message must say, given the challenge this server issued for its nonce.
//
// A wallet's signIn (Phantom, wallet-standard's createSignInMessageText) may fill the fields a
// dApp leaves out but never changes those given. So every field of the challenge must appear in
// the signed message with the same value: a message naming another chain, URI, statement or time
// than the one issued is refused even though its nonce and signature are good. Fields the
// challenge leaves out (Not Before, Request ID, Resources) may be added; Not Before is honoured.

/**
 * How far ahead of this server's clock a message's Issued At may be. Issued At comes from the
 * challenge, written by whichever instance issued it: instances' NTP-synchronised clocks differ by
 * milliseconds, a badly synchronised VM by seconds. A minute absorbs that and still refuses a
 * message dated tomorrow.
 */
export const ISSUED_AT_SKEW_MS = 60_000;

/** The fields a challenge carries besides domain and address, with their tags: all but those a wallet may add. */
const CHALLENGE_FIELDS: readonly (readonly [keyof SiwsMessage, string])[] = [
  ["statement", "statement"],
  ...FIELDS.filter(([key]) => key !== "notBefore" && key !== "requestId"),
];

const unauthorized = (code: ErrorCodeWithStatus<401>, message: string, details?: Record<string, unknown>) =>
  new AppError(code, message, details ? { details } : {});

/** The first reason the signed message is refused, if any. */
export function checkSignedMessage(signed: SiwsMessage, issued: SiwsMessage, now: Date): AppError | undefined {
  // Host names are case-insensitive; the rest of the domain (a port) has no case.
  if (signed.domain.toLowerCase() !== issued.domain.toLowerCase()) {
    return unauthorized("siws_domain_mismatch", `message is for ${signed.domain}, not ${issued.domain}`);
  }
  if (signed.address !== issued.address) return unauthorized("siws_address_mismatch", "message names another address than the request");
  return checkTimes(signed, now) ?? checkChallengeFields(signed, issued);
}

function checkTimes(signed: SiwsMessage, now: Date): AppError | undefined {
  if (signed.issuedAt && Date.parse(signed.issuedAt) > now.getTime() + ISSUED_AT_SKEW_MS) {
    return unauthorized("siws_issued_in_future", "message's Issued At is in the future");
  }
  if (signed.expirationTime && Date.parse(signed.expirationTime) <= now.getTime()) {
    return unauthorized("siws_message_expired", "message's Expiration Time has passed");
  }
  if (signed.notBefore && Date.parse(signed.notBefore) > now.getTime()) {
    return unauthorized("siws_message_not_yet_valid", "message's Not Before is in the future");
  }
  return undefined;
}

/** Exact text comparison: the signature covers the text, so equal meaning in other words is not equal. */
function checkChallengeFields(signed: SiwsMessage, issued: SiwsMessage): AppError | undefined {
  for (const [key, label] of CHALLENGE_FIELDS) {
    const want = issued[key];
    if (want === undefined) continue;
    const got = signed[key];
    if (got === want) continue;
    const said = got === undefined ? `has no ${label}` : `says ${label} ${JSON.stringify(got)}`;
    return unauthorized("siws_message_mismatch", `message ${said}; the challenge said ${JSON.stringify(want)}; sign the challenge's message as issued`, {
      field: label,
      expected: want,
      got: got ?? null,
    });
  }
  return undefined;
}
