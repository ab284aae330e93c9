import { createHash } from "node:crypto";
import {
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  importJWK,
  jwtVerify,
  SignJWT,
  type CryptoKey,
  type JSONWebKeySet,
  type JWK,
  type KeyObject,
} from "jose";
import type { Config } from "@/config";
import type { Clock } from "@/core/clock";
import { unixSeconds } from "@/core/clock";
import type { Role } from "@/core/actor";
import type { Logger } from "@/core/logger";

// Access tokens: EdDSA (Ed25519) JWTs with a kid, verifiable offline by gateways through
// GET /.well-known/jwks.json. Claims per contract.md: sub (string), userID, role, email, name.
// They carry and require `aud` (JWT_AUDIENCE): a token our key signed for another audience (a
// sibling service sharing the key) must not open this API.

export interface AccessClaims {
  sub: string;
  userID: string;
  role: Role;
  email?: string;
  name?: string;
}

export interface TokenService {
  jwks: JSONWebKeySet;
  sign(claims: AccessClaims): Promise<{ token: string; expiresAt: Date }>;
  /** Returns the claims, or null for any invalid, expired or foreign token. */
  verify(token: string): Promise<(AccessClaims & { exp: number }) | null>;
}

const ALG = "EdDSA";

function publicJwk(jwk: JWK): JWK {
  const { d: _private, ...pub } = jwk;
  return { ...pub, alg: ALG, use: "sig" };
}

/** A kid derived from the public key (RFC 7638 style), so a generated key still has a stable one. */
function thumbprintKid(x: string) {
  return createHash("sha256").update(x).digest("base64url").slice(0, 16);
}

export async function generateSigningJwk(): Promise<JWK> {
  const { privateKey } = await generateKeyPair(ALG, { crv: "Ed25519", extractable: true });
  const jwk = await exportJWK(privateKey);
  return { ...jwk, kid: thumbprintKid(String(jwk.x)) };
}

export async function createTokenService(config: Config, clock: Clock, logger: Logger): Promise<TokenService> {
  let signingJwk: JWK;
  if (config.JWT_PRIVATE_KEY) {
    signingJwk = JSON.parse(config.JWT_PRIVATE_KEY) as JWK;
  } else {
    // main.ts and the simulator keep a development key in a file (dev-secrets.ts); this in-memory
    // one serves tests and anything else that builds deps itself. Never log the key: it mints tokens.
    signingJwk = await generateSigningJwk();
    if (config.NODE_ENV === "development") {
      logger.warn("JWT_PRIVATE_KEY is not set: generated a throwaway signing key; tokens die with this process");
    }
  }
  const kid = String(signingJwk.kid);
  const key: CryptoKey | KeyObject | Uint8Array = await importJWK(signingJwk, ALG);
  const previous = config.JWT_PUBLIC_KEYS ? (JSON.parse(config.JWT_PUBLIC_KEYS) as JWK[]) : [];
  const jwks: JSONWebKeySet = { keys: [publicJwk(signingJwk), ...previous.filter((k) => k.kid !== kid).map(publicJwk)] };
  const keySet = createLocalJWKSet(jwks);
  const ttl = config.ACCESS_TOKEN_TTL_SECONDS;

  return {
    jwks,
    async sign(claims) {
      const now = clock.now();
      const expiresAt = new Date((unixSeconds(now) + ttl) * 1000);
      const token = await new SignJWT({ ...claims })
        .setProtectedHeader({ alg: ALG, kid, typ: "JWT" })
        .setIssuer(config.JWT_ISSUER)
        .setAudience(config.JWT_AUDIENCE)
        .setSubject(claims.sub)
        .setIssuedAt(unixSeconds(now))
        .setExpirationTime(unixSeconds(expiresAt))
        .sign(key);
      return { token, expiresAt };
    },
    async verify(token) {
      try {
        const { payload } = await jwtVerify(token, keySet, {
          algorithms: [ALG],
          issuer: config.JWT_ISSUER,
          audience: config.JWT_AUDIENCE,
          currentDate: clock.now(),
          requiredClaims: ["sub", "exp", "iat", "aud"],
        });
        if (typeof payload.sub !== "string" || typeof payload.role !== "string") return null;
        return payload as unknown as AccessClaims & { exp: number };
      } catch {
        return null;
      }
    },
  };
}
