import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from "jose";

// A stand-in for Google's https://www.googleapis.com/oauth2/v3/certs: a real HTTP server on a
// random local port serving a JWKS of test RSA keys, so the app's jose remote key set fetches,
// caches and fails exactly as it would against Google.

export interface TestRsaKey {
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  /** The public key as PEM (SPKI): what a key-confusion attacker uses as an HMAC secret. */
  publicPem: string;
  publicJwk: JWK;
}

export async function generateRsaKey(kid: string): Promise<TestRsaKey> {
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
  const jwk = await exportJWK(publicKey);
  return { kid, privateKey, publicKey, publicPem: await exportSPKI(publicKey), publicJwk: { ...jwk, kid, alg: "RS256", use: "sig" } };
}

export interface JwksServer {
  /** The JWKS address, for GOOGLE_JWKS_URL. */
  url: string;
  keys: TestRsaKey[];
  /** How many times /certs was fetched. */
  requests(): number;
  /** Answer /certs with this status and no key set (an outage), or null to serve keys again. */
  failWith(status: number | null): void;
  stop(): Promise<void>;
}

export async function startJwksServer(keys: TestRsaKey[]): Promise<JwksServer> {
  let requests = 0;
  let failure: number | null = null;
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch(req) {
      if (new URL(req.url).pathname !== "/certs") return new Response("not found", { status: 404 });
      requests++;
      if (failure !== null) return new Response("unavailable", { status: failure });
      return Response.json({ keys: keys.map((k) => k.publicJwk) }, { headers: { "cache-control": "public, max-age=20000" } });
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}/certs`,
    keys,
    requests: () => requests,
    failWith: (status) => {
      failure = status;
    },
    stop: () => server.stop(true),
  };
}

/** Signs an ID token exactly as given: claims are not filled in, so tests can leave any out. */
export async function signIdToken(
  claims: JWTPayload,
  options: { kid?: string; alg?: string; key: CryptoKey | Uint8Array },
): Promise<string> {
  const alg = options.alg ?? "RS256";
  return new SignJWT(claims).setProtectedHeader({ alg, typ: "JWT", ...(options.kid ? { kid: options.kid } : {}) }).sign(options.key);
}

/** The claims of a fresh Google ID token for `aud`, issued at `now`, valid one hour. */
export function googleClaims(aud: string, now: Date, overrides: Record<string, unknown> = {}): JWTPayload {
  const iat = Math.floor(now.getTime() / 1000);
  // Google subjects are 21-digit strings; random per call so every test gets a new account.
  const sub = "1" + Array.from(crypto.getRandomValues(new Uint8Array(20)), (b) => b % 10).join("");
  return {
    iss: "https://accounts.google.com",
    azp: aud,
    aud,
    sub,
    email: `g-${sub.slice(1, 13)}@gmail.test`,
    email_verified: true,
    name: "Grace Google",
    iat,
    exp: iat + 3600,
    ...overrides,
  };
}
