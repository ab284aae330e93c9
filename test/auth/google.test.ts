import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { JWTPayload } from "jose";
import { SessionSchema } from "@/auth";
import { manualClock } from "@/core/clock";
import { startTestApp, type TestApp } from "../support/app";
import { createUser } from "../support/fixtures";
import { json } from "../support/http";
import { generateRsaKey, googleClaims, signIdToken, startJwksServer, type JwksServer, type TestRsaKey } from "../support/jwks-server";

const CLIENT_ID = "test-client.apps.googleusercontent.com";
const HOUR = 3600;

const clock = manualClock();
let jwks: JwksServer;
let google: TestRsaKey;
let stranger: TestRsaKey;
let t: TestApp;

beforeAll(async () => {
  google = await generateRsaKey("google-key-1");
  stranger = await generateRsaKey("not-published");
  jwks = await startJwksServer([google]);
  t = await startTestApp(
    { GOOGLE_CLIENT_ID: CLIENT_ID, GOOGLE_JWKS_URL: jwks.url, RATE_LIMIT_AUTH_PER_MINUTE: "1000" },
    { clock },
  );
});
afterAll(async () => {
  await t.close();
  await jwks.stop();
});

const loginAt = (app: TestApp, body: unknown) =>
  fetch(app.url + "/v1/auth/login/google", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
const login = (body: unknown) => loginAt(t, body);

const claims = (overrides: Record<string, unknown> = {}) => googleClaims(CLIENT_ID, clock.now(), overrides);
const googleToken = (c: JWTPayload) => signIdToken(c, { kid: google.kid, key: google.privateKey });
const nowSeconds = () => Math.floor(clock.now().getTime() / 1000);
const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

async function usersWithEmail(email: string): Promise<number> {
  const [row] = await t.sql<{ n: bigint }[]>`SELECT count(*) AS n FROM users WHERE email = ${email.toLowerCase()}`;
  return Number(row!.n);
}

/** A refused login: 401 with the code, a reason, no echo of the token, and no account made. */
async function expectRefused(token: string, c: JWTPayload, code: string, reason: RegExp) {
  const res = await login({ id_token: token });
  const text = await res.text();
  expect(res.status).toBe(401);
  expect(text).not.toContain(token.split(".")[1]!);
  const body = JSON.parse(text);
  expect(body.error.code).toBe(code);
  expect(body.error.message).toMatch(reason);
  if (typeof c.email === "string") expect(await usersWithEmail(c.email)).toBe(0);
}

describe("POST /v1/auth/login/google", () => {
  test("Google's keys are not fetched before the first Google login", () => {
    expect(jwks.requests()).toBe(0);
  });

  test("a good token signs in a new observer; the next login is the same account; the tokens work", async () => {
    const c = claims({ email: "Grace.Hopper.NEW@Gmail.test", name: "Grace Hopper" });
    const res = await login({ id_token: await googleToken(c) });
    expect(res.status).toBe(200);
    const session = SessionSchema.parse(await json(res));
    expect(session.token_type).toBe("Bearer");
    expect(session.expires_in).toBe(t.config.ACCESS_TOKEN_TTL_SECONDS);
    expect(session.user).toMatchObject({ email: "grace.hopper.new@gmail.test", name: "Grace Hopper", role: "observer", status: "ACTIVE", wallet_address: null });
    const [row] = await t.sql<{ google_sub: string }[]>`SELECT google_sub FROM users WHERE id = ${BigInt(session.user.id)}`;
    expect(row!.google_sub).toBe(c.sub!);

    const again = await login({ id_token: await googleToken(claims({ sub: c.sub, email: c.email })) });
    expect(again.status).toBe(200);
    const second = SessionSchema.parse(await json(again));
    expect(second.user.id).toBe(session.user.id);
    expect(second.refresh_token).not.toBe(session.refresh_token);

    // The access token authenticates: the profile route answers "no profile", not 401.
    const profile = await fetch(t.url + "/v1/profile", { headers: { authorization: `Bearer ${session.token}` } });
    expect(profile.status).toBe(404);
    expect((await json(profile)).error.code).toBe("profile_not_found");
    const refreshed = await fetch(t.url + "/v1/auth/refresh", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ refresh_token: session.refresh_token }),
    });
    expect(refreshed.status).toBe(200);
  });

  test("Google's keys are cached by the app: later logins do not fetch them again", async () => {
    const before = jwks.requests();
    expect(before).toBe(1);
    for (let i = 0; i < 3; i++) {
      const res = await login({ id_token: await googleToken(claims()) });
      expect(res.status).toBe(200);
    }
    expect(jwks.requests()).toBe(before);
  });

  test("the issuer may be written without https, as Google sometimes does", async () => {
    const res = await login({ id_token: await googleToken(claims({ iss: "accounts.google.com" })) });
    expect(res.status).toBe(200);
  });

  test("an email-code user signing in with Google keeps one account, found by the Google subject afterwards", async () => {
    const user = await createUser(t);
    const c = claims({ email: user.email.toUpperCase(), name: "Ada Lovelace" });
    const res = await login({ id_token: await googleToken(c) });
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body.user.id).toBe(user.id.toString());
    // The account had no name: Google's fills it in.
    expect(body.user).toMatchObject({ email: user.email, name: "Ada Lovelace", role: "observer" });
    expect(await usersWithEmail(user.email)).toBe(1);

    // The Google account's address changes later: the subject still finds the same account.
    const moved = await login({ id_token: await googleToken(claims({ sub: c.sub, email: `moved-${user.email}`, name: "Someone Else" })) });
    expect(moved.status).toBe(200);
    expect((await json(moved)).user).toMatchObject({ id: user.id.toString(), email: user.email, name: "Ada Lovelace" });
  });

  test("an existing architect keeps their role and name when they first use Google", async () => {
    const user = await createUser(t, { profile: "agent", name: "Agent Smith" });
    const res = await login({ id_token: await googleToken(claims({ email: user.email, name: "Google Name" })) });
    expect(res.status).toBe(200);
    expect((await json(res)).user).toMatchObject({ id: user.id.toString(), role: "architect", name: "Agent Smith" });
  });

  test("an email whose account is linked to another Google account is refused with 409, and the link stays", async () => {
    const first = claims();
    expect((await login({ id_token: await googleToken(first) })).status).toBe(200);
    const other = claims({ email: first.email });
    const res = await login({ id_token: await googleToken(other) });
    expect(res.status).toBe(409);
    expect((await json(res)).error.code).toBe("google_account_conflict");
    const [row] = await t.sql<{ google_sub: string }[]>`SELECT google_sub FROM users WHERE email = ${String(first.email)}`;
    expect(row!.google_sub).toBe(first.sub!);
  });

  test("a display name longer than the column is cut, not a failed login", async () => {
    const res = await login({ id_token: await googleToken(claims({ name: "é".repeat(150) })) });
    expect(res.status).toBe(200);
    expect((await json(res)).user.name).toBe("é".repeat(100));
  });

  // Found by the fuzzer: a NUL in a claim reached users as a parameter and answered 500.
  test("a display name PostgreSQL cannot store (NUL, a lone surrogate) is left out, not a 500", async () => {
    for (const name of ["Ann\u0000", "\ud800"]) {
      const res = await login({ id_token: await googleToken(claims({ name })) });
      expect(res.status).toBe(200);
      expect((await json(res)).user.name).toBeNull();
    }
  });
});

describe("refused ID tokens: 401", () => {
  test("wrong audience", async () => {
    const c = claims({ aud: "someone-else.apps.googleusercontent.com", azp: "someone-else.apps.googleusercontent.com" });
    await expectRefused(await googleToken(c), c, "invalid_id_token", /another client/);
  });

  test("wrong issuer", async () => {
    const c = claims({ iss: "https://accounts.google.com.evil.example" });
    await expectRefused(await googleToken(c), c, "invalid_id_token", /not issued by Google/);
  });

  test("expired by the app's clock", async () => {
    const c = claims({ iat: nowSeconds() - 2 * HOUR, exp: nowSeconds() - HOUR });
    await expectRefused(await googleToken(c), c, "invalid_id_token", /expired/);
  });

  test("a token valid now is refused once the app's clock passes its exp", async () => {
    const start = clock.now();
    const c = claims();
    const token = await googleToken(c);
    try {
      clock.advance(2 * HOUR * 1000);
      await expectRefused(token, c, "invalid_id_token", /expired/);
    } finally {
      clock.set(start);
    }
    expect((await login({ id_token: token })).status).toBe(200);
  });

  test("no exp at all (it would never expire)", async () => {
    const c = claims({ exp: undefined });
    await expectRefused(await googleToken(c), c, "invalid_id_token", /"exp"/);
  });

  test("a sub or an email PostgreSQL cannot store (NUL) is not Google's: 401, not 500", async () => {
    for (const [claim, value] of [["sub", "1\u0000"], ["email", `ann\u0000${Date.now()}@gmail.test`]] as const) {
      const res = await login({ id_token: await googleToken(claims({ [claim]: value })) });
      const body = await json(res);
      expect({ status: res.status, code: body.error.code, message: body.error.message }).toEqual({
        status: 401,
        code: "invalid_id_token",
        message: expect.stringContaining(`"${claim}"`),
      });
    }
  });

  test("unverified email", async () => {
    const c = claims({ email_verified: false });
    await expectRefused(await googleToken(c), c, "email_not_verified", /not verified/);
  });

  test('email_verified as the string "true" is not Google vouching for the address', async () => {
    const c = claims({ email_verified: "true" });
    await expectRefused(await googleToken(c), c, "email_not_verified", /not verified/);
  });

  test("no email (the email scope was not requested)", async () => {
    const c = claims({ email: undefined, email_verified: undefined });
    await expectRefused(await googleToken(c), c, "invalid_id_token", /no email/);
  });

  test("signed by a key the JWKS does not publish (unknown kid)", async () => {
    const c = claims();
    await expectRefused(await signIdToken(c, { kid: stranger.kid, key: stranger.privateKey }), c, "invalid_id_token", /key Google does not publish/);
  });

  test("a published kid with a signature by another key", async () => {
    const c = claims();
    await expectRefused(await signIdToken(c, { kid: google.kid, key: stranger.privateKey }), c, "invalid_id_token", /signature is invalid/);
  });

  test('alg "none" (an unsigned token)', async () => {
    const c = claims();
    const token = `${base64url({ alg: "none", typ: "JWT" })}.${base64url(c)}.`;
    await expectRefused(token, c, "invalid_id_token", /RS256/);
  });

  test("HS256 with Google's public key as the HMAC secret (key confusion)", async () => {
    const c = claims();
    const pemSecret = new TextEncoder().encode(google.publicPem);
    await expectRefused(await signIdToken(c, { alg: "HS256", kid: google.kid, key: pemSecret }), c, "invalid_id_token", /RS256/);
  });

  test("three segments of garbage", async () => {
    const res = await login({ id_token: "abc.def.ghi" });
    expect(res.status).toBe(401);
    const body = await json(res);
    expect(body.error.code).toBe("invalid_id_token");
    expect(body.error.message).toMatch(/malformed/);
  });
});

describe("request validation: 400", () => {
  test("a missing id_token is named", async () => {
    const res = await login({ token: "abc.def.ghi" });
    expect(res.status).toBe(400);
    const body = await json(res);
    expect(body.error.code).toBe("invalid_request");
    expect(body.error.details.issues.map((i: { field: string }) => i.field)).toEqual(["id_token"]);
  });

  test("an id_token that is not a JWT is named, and not echoed", async () => {
    const res = await login({ id_token: "not-a-jwt-secret-value" });
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(text).not.toContain("not-a-jwt-secret-value");
    const body = JSON.parse(text);
    expect(body.error.code).toBe("invalid_request");
    expect(body.error.details.issues[0].field).toBe("id_token");
  });
});

describe("configuration and outages: 503", () => {
  test("without GOOGLE_CLIENT_ID, Google sign-in is disabled and Google is never asked", async () => {
    const off = await startTestApp({ GOOGLE_JWKS_URL: jwks.url });
    try {
      const before = jwks.requests();
      const res = await loginAt(off, { id_token: await googleToken(claims()) });
      expect(res.status).toBe(503);
      expect((await json(res)).error.code).toBe("google_login_disabled");
      expect(jwks.requests()).toBe(before);
    } finally {
      await off.close();
    }
  });

  test("an unreachable JWKS server is 503 google_unavailable, not a 500", async () => {
    const gone = await startJwksServer([google]);
    await gone.stop();
    const app = await startTestApp({ GOOGLE_CLIENT_ID: CLIENT_ID, GOOGLE_JWKS_URL: gone.url }, { clock });
    try {
      const res = await loginAt(app, { id_token: await googleToken(claims()) });
      expect(res.status).toBe(503);
      expect((await json(res)).error.code).toBe("google_unavailable");
    } finally {
      await app.close();
    }
  });

  test("a JWKS outage (HTTP 500) is 503, and logins work again once Google is back", async () => {
    const flaky = await startJwksServer([google]);
    const app = await startTestApp({ GOOGLE_CLIENT_ID: CLIENT_ID, GOOGLE_JWKS_URL: flaky.url }, { clock });
    try {
      flaky.failWith(500);
      const down = await loginAt(app, { id_token: await googleToken(claims()) });
      expect(down.status).toBe(503);
      expect((await json(down)).error.code).toBe("google_unavailable");

      flaky.failWith(null);
      const up = await loginAt(app, { id_token: await googleToken(claims()) });
      expect(up.status).toBe(200);
      expect((await json(up)).user.role).toBe("observer");
    } finally {
      await app.close();
      await flaky.stop();
    }
  });
});
