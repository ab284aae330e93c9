import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createLocalJWKSet, decodeProtectedHeader, importJWK, jwtVerify, SignJWT } from "jose";
import { generateSigningJwk } from "@/auth";
import { manualClock } from "@/core/clock";
import { startTestApp, type TestApp } from "../support/app";
import { createUser } from "../support/fixtures";
import { json } from "../support/http";

const clock = manualClock(new Date("2026-11-25T12:00:00Z"));
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({}, { clock });
});
afterAll(() => t.close());

const post = (path: string, body: unknown, token?: string) =>
  fetch(t.url + path, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
const profileStatus = async (token: string) => (await fetch(t.url + "/v1/profile", { headers: { authorization: `Bearer ${token}` } })).status;

describe("access tokens", () => {
  test("are EdDSA JWTs with a kid, the contract's claims, and a one-hour life", async () => {
    const u = await createUser(t, { profile: "agent", name: "Ada" });
    const header = decodeProtectedHeader(u.token);
    expect(header).toMatchObject({ alg: "EdDSA", typ: "JWT" });
    expect(typeof header.kid).toBe("string");
    const jwks = await json(await fetch(t.url + "/.well-known/jwks.json"));
    expect(jwks.keys.map((k: { kid: string }) => k.kid)).toContain(header.kid);
    for (const k of jwks.keys) expect(k.d).toBeUndefined();
    // A gateway verifies offline with nothing but the published keys.
    const { payload } = await jwtVerify(u.token, createLocalJWKSet(jwks), { algorithms: ["EdDSA"], currentDate: clock.now() });
    expect(payload).toMatchObject({ sub: u.id.toString(), userID: u.id.toString(), role: "architect", email: u.email, name: "Ada", aud: "machpay-api" });
    expect(payload.exp! - payload.iat!).toBe(3600);
  });

  test("parse the way the public machpay CLI parses them: three base64url parts, string sub and email", async () => {
    const u = await createUser(t);
    const parts = u.token.split(".");
    expect(parts).toHaveLength(3);
    for (const p of parts) expect(p).toMatch(/^[A-Za-z0-9_-]+$/);
    const payload = JSON.parse(Buffer.from(parts[1]!, "base64url").toString("utf8"));
    expect(typeof payload.sub).toBe("string");
    expect(payload.email).toBe(u.email);
  });

  test("expire after an hour", async () => {
    const u = await createUser(t);
    expect(await profileStatus(u.token)).toBe(404);
    clock.advance(3600_000 + 1000);
    const res = await fetch(t.url + "/v1/profile", { headers: { authorization: `Bearer ${u.token}` } });
    expect(res.status).toBe(401);
    expect((await json(res)).error.code).toBe("invalid_token");
  });

  test("signed by a key this server does not publish are refused", async () => {
    const stranger = await startTestApp({}, { clock });
    try {
      const u = await createUser(stranger);
      expect(await profileStatus(u.token)).toBe(401);
    } finally {
      await stranger.close();
    }
  });

  test("signed with our key for another audience, or for none, are refused", async () => {
    const jwk = await generateSigningJwk();
    const ours = await startTestApp({ JWT_PRIVATE_KEY: JSON.stringify(jwk) }, { clock, db: t.db });
    try {
      const u = await createUser(ours);
      const key = await importJWK(jwk, "EdDSA");
      const now = Math.floor(clock.now().getTime() / 1000);
      const mint = (audience: string | undefined) => {
        const jwt = new SignJWT({ userID: u.id.toString(), role: "observer" })
          .setProtectedHeader({ alg: "EdDSA", kid: String(jwk.kid), typ: "JWT" })
          .setIssuer(ours.config.JWT_ISSUER)
          .setSubject(u.id.toString())
          .setIssuedAt(now)
          .setExpirationTime(now + 600);
        return (audience === undefined ? jwt : jwt.setAudience(audience)).sign(key);
      };
      const profile = (token: string) => fetch(ours.url + "/v1/profile", { headers: { authorization: `Bearer ${token}` } });
      // The control: the same token for our audience opens the API (404: no profile yet).
      expect((await profile(await mint(ours.config.JWT_AUDIENCE))).status).toBe(404);
      for (const token of [await mint("machpay-internal"), await mint(undefined)]) {
        const res = await profile(token);
        expect(res.status).toBe(401);
        expect((await json(res)).error.code).toBe("invalid_token");
      }
    } finally {
      await ours.close();
    }
  });

  test("a tampered payload is refused", async () => {
    const u = await createUser(t);
    const [h, p, s] = u.token.split(".");
    const claims = JSON.parse(Buffer.from(p!, "base64url").toString());
    const forged = [h, Buffer.from(JSON.stringify({ ...claims, role: "operator", sub: "1" })).toString("base64url"), s].join(".");
    expect(await profileStatus(forged)).toBe(401);
  });
});

describe("signing keys", () => {
  test("come from JWT_PRIVATE_KEY, and earlier public keys in JWT_PUBLIC_KEYS keep verifying during rotation", async () => {
    const oldKey = await generateSigningJwk();
    const newKey = await generateSigningJwk();
    const before = await startTestApp({ JWT_PRIVATE_KEY: JSON.stringify(oldKey) }, { clock });
    const u = await createUser(before);
    const { d: _d, ...oldPublic } = oldKey;
    const after = await startTestApp(
      { JWT_PRIVATE_KEY: JSON.stringify(newKey), JWT_PUBLIC_KEYS: JSON.stringify([oldPublic]) },
      { clock, db: before.db },
    );
    try {
      const jwks = await json(await fetch(after.url + "/.well-known/jwks.json"));
      expect(jwks.keys.map((k: { kid: string }) => k.kid)).toEqual([newKey.kid, oldKey.kid]);
      const res = await fetch(after.url + "/v1/profile", { headers: { authorization: `Bearer ${u.token}` } });
      expect(res.status).toBe(404);
    } finally {
      await after.close();
      await before.close();
    }
  });

  test("are generated with a warning in development when absent", async () => {
    const dev = await startTestApp({ NODE_ENV: "development" });
    try {
      expect(dev.logs.some((l) => l.level === "warn" && String(l.msg).includes("JWT_PRIVATE_KEY"))).toBe(true);
      // The key itself is never logged: with it anyone reading the logs mints tokens.
      const logged = JSON.stringify(dev.logs);
      expect(logged).not.toContain("kty");
      expect(logged).not.toContain("Ed25519");
    } finally {
      await dev.close();
    }
  });
});

describe("refresh tokens", () => {
  test("rotate on use: each works once and yields a new pair", async () => {
    const u = await createUser(t);
    const res = await post("/v1/auth/refresh", { refresh_token: u.session.refresh_token });
    expect(res.status).toBe(200);
    const next = await json(res);
    expect(next.refresh_token).not.toBe(u.session.refresh_token);
    expect(next.user.id).toBe(u.id.toString());
    expect(await profileStatus(next.token)).toBe(404);
  });

  test("reuse of a rotated token revokes the whole family, the thief's and the owner's", async () => {
    const u = await createUser(t);
    const first = await json(await post("/v1/auth/refresh", { refresh_token: u.session.refresh_token }));
    const reuse = await post("/v1/auth/refresh", { refresh_token: u.session.refresh_token });
    expect(reuse.status).toBe(401);
    expect((await json(reuse)).error.code).toBe("refresh_token_reused");
    const descendant = await post("/v1/auth/refresh", { refresh_token: first.refresh_token });
    expect(descendant.status).toBe(401);
    expect((await json(descendant)).error.code).toBe("invalid_refresh_token");
  });

  test("two concurrent refreshes with one token: one wins, the family is then revoked", async () => {
    const u = await createUser(t);
    const results = await Promise.all([1, 2].map(() => post("/v1/auth/refresh", { refresh_token: u.session.refresh_token })));
    expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
  });

  test("expire, and unknown ones are refused without saying more", async () => {
    const u = await createUser(t);
    clock.advance(t.config.REFRESH_TOKEN_TTL_SECONDS * 1000 + 1000);
    const expired = await post("/v1/auth/refresh", { refresh_token: u.session.refresh_token });
    expect(expired.status).toBe(401);
    expect((await json(expired)).error.code).toBe("invalid_refresh_token");
    const unknown = await post("/v1/auth/refresh", { refresh_token: "mp_rt_nope" });
    expect(unknown.status).toBe(401);
    const missing = await post("/v1/auth/refresh", {});
    expect(missing.status).toBe(400);
    expect((await json(missing)).error.details.issues[0].field).toBe("refresh_token");
  });

  test("are stored hashed", async () => {
    const u = await createUser(t);
    const rows = await t.sql`SELECT token_hash FROM refresh_tokens WHERE user_id = ${u.id}`;
    expect(rows).toHaveLength(1);
    expect(rows[0]!.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(rows)).not.toContain(u.session.refresh_token);
  });
});

describe("logout", () => {
  test("revokes the login of the refresh token", async () => {
    const u = await createUser(t);
    expect((await post("/v1/auth/logout", { refresh_token: u.session.refresh_token })).status).toBe(204);
    expect((await post("/v1/auth/refresh", { refresh_token: u.session.refresh_token })).status).toBe(401);
  });

  test("with all=true ends every login of the signed-in user, and needs a sign-in", async () => {
    const u = await createUser(t);
    const other = await json(await post("/v1/auth/refresh", { refresh_token: u.session.refresh_token }));
    expect((await post("/v1/auth/logout", { all: true })).status).toBe(401);
    expect((await post("/v1/auth/logout", { all: true }, other.token)).status).toBe(204);
    expect((await post("/v1/auth/refresh", { refresh_token: other.refresh_token })).status).toBe(401);
  });

  test("without a refresh token or all=true is a 400", async () => {
    const res = await post("/v1/auth/logout", {});
    expect(res.status).toBe(400);
    expect((await json(res)).error.details.issues[0].field).toBe("refresh_token");
  });
});

describe("bearer credentials", () => {
  test("a malformed Authorization header is refused on protected routes but ignored on public ones", async () => {
    const bad = { authorization: "Basic dXNlcjpwYXNz" };
    const protectedRes = await fetch(t.url + "/v1/profile", { headers: bad });
    expect(protectedRes.status).toBe(401);
    expect((await json(protectedRes)).error.code).toBe("invalid_authorization");
    expect((await fetch(t.url + "/health", { headers: bad })).status).toBe(200);
  });
});
