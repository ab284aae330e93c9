import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from "jose";
import { AppError } from "@/core/errors";
import type { Logger } from "@/core/logger";
import { findUnstorableText } from "@/core/storable-text";

// Google ID tokens (OpenID Connect), checked as Google documents: an RS256 signature by a key of
// Google's JWKS, aud = our client id, iss = accounts.google.com (with or without https), not expired.

export interface GoogleIdentity {
  /** Google's stable account id: the match key, because the email of an account can change. */
  sub: string;
  email: string | undefined;
  emailVerified: boolean;
  name: string | undefined;
}

export interface GoogleVerifier {
  /** The identity an ID token proves; AppError 401 invalid_id_token or 503 google_unavailable. */
  verify(idToken: string, now: Date, log: Logger): Promise<GoogleIdentity>;
}

export interface GoogleVerifierOptions {
  clientId: string;
  jwksUrl: string;
}

const GOOGLE_ISSUERS = ["https://accounts.google.com", "accounts.google.com"];
// Google's own client libraries tolerate skew too: a server clock a few seconds behind Google's
// must not refuse a token minted an instant ago (nbf/iat) or one that has just expired.
const CLOCK_TOLERANCE_SECONDS = 30;
// users.email is VARCHAR(255), users.google_sub VARCHAR(255): a longer claim is not Google's.
const MAX_CLAIM_LENGTH = 255;

/** Marks a failure to get Google's keys (network, timeout, non-200, garbage): not the caller's fault. */
class JwksUnavailable extends Error {
  override name = "JwksUnavailable";
}

/**
 * Built once per app. The remote key set is created on first use (no network at start-up), then
 * jose caches Google's keys (10 minutes) and refetches on an unknown kid at most every 30 s, so a
 * key rotation is picked up without a fetch per login and a flood of forged kids cannot hammer Google.
 */
export function createGoogleVerifier(options: GoogleVerifierOptions): GoogleVerifier {
  let keys: JWTVerifyGetKey | undefined;
  const keySet = (): JWTVerifyGetKey => (keys ??= separateFetchFailures(createRemoteJWKSet(new URL(options.jwksUrl))));

  return {
    async verify(idToken, now, log) {
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(idToken, keySet(), {
          // Only RS256: refuses alg "none" and HS256 signed with the public key (key confusion).
          algorithms: ["RS256"],
          audience: options.clientId,
          issuer: GOOGLE_ISSUERS,
          currentDate: now,
          clockTolerance: CLOCK_TOLERANCE_SECONDS,
          // jose checks exp only when present: a token without one would never expire.
          requiredClaims: ["sub", "exp", "iat"],
        }));
      } catch (err) {
        if (err instanceof JwksUnavailable) {
          log.warn("Google JWKS unreachable", { err: err.cause, jwks_url: options.jwksUrl });
          throw new AppError("google_unavailable", "cannot reach Google to check the ID token; try again shortly");
        }
        if (err instanceof errors.JOSEError) throw invalidIdToken(reasonOf(err));
        throw err;
      }
      return identityOf(payload);
    },
  };
}

/**
 * jose reports a key-fetch failure and a token problem through the same rejection; only the
 * resolver knows which is which. No matching key (a kid Google never had) and an alg no key set
 * serves are the token's fault; anything else is failing to get the keys.
 */
function separateFetchFailures(remote: JWTVerifyGetKey): JWTVerifyGetKey {
  return async (header, token) => {
    try {
      return await remote(header, token);
    } catch (err) {
      if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys || err instanceof errors.JOSENotSupported) {
        throw err;
      }
      throw new JwksUnavailable("JWKS fetch failed", { cause: err });
    }
  };
}

export const invalidIdToken = (reason: string) =>
  new AppError("invalid_id_token", `Google ID token refused: ${reason}`);

/** A reason in our words: never the token, never jose's internals. */
function reasonOf(err: InstanceType<typeof errors.JOSEError>): string {
  if (err instanceof errors.JWTExpired) return "it has expired";
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === "aud") return "it was issued for another client (aud)";
    if (err.claim === "iss") return "it was not issued by Google (iss)";
    if (err.claim === "nbf" || err.claim === "iat") return `it is not valid yet (${err.claim})`;
    return `its "${err.claim}" claim is missing or invalid`;
  }
  if (err instanceof errors.JOSEAlgNotAllowed) return "it must be signed with RS256";
  if (err instanceof errors.JWKSNoMatchingKey) return "it is signed with a key Google does not publish";
  if (err instanceof errors.JWSSignatureVerificationFailed) return "its signature is invalid";
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid) return "it is malformed";
  return "it is invalid";
}

// Claims are stored: one PostgreSQL cannot store (a NUL, a lone surrogate) is not Google's either.
const storable = (s: string) => findUnstorableText(s) === undefined;

function identityOf(payload: JWTPayload): GoogleIdentity {
  const { sub, email, email_verified: emailVerified, name } = payload;
  if (typeof sub !== "string" || sub.length === 0 || sub.length > MAX_CLAIM_LENGTH || !storable(sub)) {
    throw invalidIdToken('its "sub" claim is missing or invalid');
  }
  let normalized: string | undefined;
  if (email !== undefined) {
    if (typeof email !== "string" || email.length > MAX_CLAIM_LENGTH || !email.includes("@") || !storable(email)) {
      throw invalidIdToken('its "email" claim is invalid');
    }
    // users.email is stored lower-cased (its UNIQUE is case-insensitive that way).
    normalized = email.trim().toLowerCase();
  }
  return {
    sub,
    email: normalized,
    // Strictly the boolean: anything else (absent, "true", 1) is not Google vouching for the address.
    emailVerified: emailVerified === true,
    // Display only: a name that cannot be stored is left out, as a missing one is.
    name: typeof name === "string" && storable(name) ? name : undefined,
  };
}
