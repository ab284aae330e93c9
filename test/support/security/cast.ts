import { generateSigningJwk } from "@/auth";
import { SignJWT, importJWK, type JWK } from "jose";
import { createUser, type TestUser } from "../fixtures";
import { FUZZ_SERVICE_BODY, type FuzzCast } from "../fuzz/cast";
import type { FuzzApp } from "../fuzz/harness";
import { createKey, post } from "../ledger";
import { newWallet, type TestWallet } from "../solana-keys";

// The security suite's cast, on top of the fuzzer's (fuzz/cast.ts: the users whose requests are
// the positive controls): keys of each permission, a revoked key, access tokens broken in each way
// a token can be, an unlinked device key, and a victim of each role owning resources the
// attackers try to reach.

export type Role = "architect" | "operator";

/** What a user of one role can present, each a real credential of the app. */
export interface RoleCredentials {
  user: TestUser;
  jwt: string;
  /** API keys: read and write, read only, write only, revoked. */
  key: string;
  readKey: string;
  writeKey: string;
  revokedKey: string;
  /** A device key linked to this user's profile. */
  device: TestWallet;
  /** Access tokens of this user that must not open anything. */
  badTokens: Record<BadToken, string>;
}

export type BadToken =
  | "an expired access token"
  | "an access token for another audience"
  | "an access token from another issuer"
  | "an access token without an audience"
  | "an access token signed by a key the server does not publish"
  | "an access token naming no user"
  | "an unsigned access token (alg: none)";

export interface Victim {
  architect: TestUser;
  operator: TestUser;
  agentKeyId: string;
  gatewayKeyId: string;
  webhookId: string;
  endpointId: string;
}

export interface SecurityCast {
  fuzz: FuzzCast;
  architect: RoleCredentials;
  operator: RoleCredentials;
  /** A signed-in user without a profile, never given one. */
  observer: string;
  /** A fresh observer's session, for a control that may give it a profile. */
  newObserver(): Promise<string>;
  /** A device key that signs correctly but is linked to nobody. */
  unlinkedDevice: TestWallet;
  victim: Victim;
}

const VICTIM_ENDPOINT = "victim-endpoint";
/** The victim endpoint's name: an attacker's PUT (the fuzzer's body) would change it. */
export const VICTIM_ENDPOINT_NAME = "Victim Weather";
const PUBLIC_WEBHOOK = "https://93.184.216.34/machpay/victim";

async function created(r: { status: number; body: { id?: unknown } }, what: string): Promise<string> {
  if ((r.status !== 201 && r.status !== 200) || r.body.id === undefined) throw new Error(`security cast: ${what}: ${r.status} ${JSON.stringify(r.body)}`);
  return String(r.body.id);
}

async function badTokens(app: FuzzApp, jwk: JWK, userId: bigint): Promise<Record<BadToken, string>> {
  const { config } = app.t;
  const key = await importJWK(jwk, "EdDSA");
  const now = Math.floor(Date.now() / 1000);
  const sign = async (change: { iss?: string; aud?: string | null; sub?: string; exp?: number; iat?: number }, signingKey = key, kid = String(jwk.kid)) => {
    let token = new SignJWT({ userID: change.sub ?? userId.toString(), role: "architect" })
      .setProtectedHeader({ alg: "EdDSA", kid, typ: "JWT" })
      .setIssuer(change.iss ?? config.JWT_ISSUER)
      .setSubject(change.sub ?? userId.toString())
      .setIssuedAt(change.iat ?? now)
      .setExpirationTime(change.exp ?? now + 600);
    if (change.aud !== null) token = token.setAudience(change.aud ?? config.JWT_AUDIENCE);
    return token.sign(signingKey);
  };
  const stranger = await generateSigningJwk();
  const valid = await sign({});
  // The valid token's claims under a header that asks for no signature at all.
  const none = `${Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url")}.${valid.split(".")[1]}.`;
  return {
    "an expired access token": await sign({ iat: now - 7200, exp: now - 3600 }),
    "an access token for another audience": await sign({ aud: "another-service" }),
    "an access token from another issuer": await sign({ iss: "https://issuer.example" }),
    "an access token without an audience": await sign({ aud: null }),
    "an access token signed by a key the server does not publish": await sign({}, await importJWK(stranger, "EdDSA"), String(stranger.kid)),
    "an access token naming no user": await sign({ sub: "999999999" }),
    "an unsigned access token (alg: none)": none,
  };
}

async function roleCredentials(app: FuzzApp, jwk: JWK, user: TestUser, key: string, device: TestWallet, kind: "agent" | "gateway"): Promise<RoleCredentials> {
  const t = app.t;
  const keysPath = kind === "agent" ? "/v1/agent/keys" : "/v1/vendor/keys";
  const revoked = await post(t, keysPath, user.token, { name: "revoked", permissions: ["read", "write"] });
  const revokedId = await created(revoked, "revoked key");
  const del = await fetch(`${t.url}${keysPath}/${revokedId}`, { method: "DELETE", headers: { authorization: `Bearer ${user.token}` } });
  if (del.status !== 204) throw new Error(`security cast: revoking a key: ${del.status}`);
  return {
    user,
    jwt: user.token,
    key,
    readKey: await createKey(t, user.token, kind, ["read"]),
    writeKey: await createKey(t, user.token, kind, ["write"]),
    revokedKey: String(revoked.body.key),
    device,
    badTokens: await badTokens(app, jwk, user.id),
  };
}

async function mintVictim(app: FuzzApp): Promise<Victim> {
  const t = app.t;
  const architect = await createUser(t, { profile: "agent" });
  const operator = await createUser(t, { profile: "vendor" });
  return {
    architect,
    operator,
    agentKeyId: await created(await post(t, "/v1/agent/keys", architect.token, { name: "victim", permissions: ["read"] }), "victim agent key"),
    gatewayKeyId: await created(await post(t, "/v1/vendor/keys", operator.token, { name: "victim", permissions: ["read"] }), "victim gateway key"),
    webhookId: await created(await post(t, "/v1/webhooks", operator.token, { url: PUBLIC_WEBHOOK, events: ["settlement.failed"] }), "victim webhook"),
    endpointId: (await created(await post(t, "/v1/vendor/endpoints", operator.token, { ...FUZZ_SERVICE_BODY, id: VICTIM_ENDPOINT, name: VICTIM_ENDPOINT_NAME }), "victim endpoint"), VICTIM_ENDPOINT),
  };
}

/** `jwk` must be the app's JWT_PRIVATE_KEY: the broken tokens are signed as the server signs. */
export async function mintSecurityCast(app: FuzzApp, jwk: JWK): Promise<SecurityCast> {
  const c = app.cast;
  const bearer = c.credentials.bearer;
  return {
    fuzz: c,
    architect: await roleCredentials(app, jwk, c.agent, bearer.agentKey!, c.agentDevice, "agent"),
    operator: await roleCredentials(app, jwk, c.vendor, bearer.gatewayKey!, c.vendorDevice, "gateway"),
    observer: (await createUser(app.t)).token,
    newObserver: async () => (await createUser(app.t)).token,
    unlinkedDevice: await newWallet(),
    victim: await mintVictim(app),
  };
}
