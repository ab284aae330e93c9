import { beforeAll, describe, expect, test } from "bun:test";
import { SignJWT, importJWK } from "jose";
import { generateSigningJwk } from "@/auth";
import type { manualClock } from "@/core/clock";
import type { TestApp } from "./app";
import { createUser, type TestUser } from "./fixtures";
import { json } from "./http";

// The shared security suite (style guide §3.11): every protected route calls describeSecurity,
// so each one is checked against the same attacks. A positive control proves the route exists
// and the right caller gets through, so the refusals cannot pass vacuously.

export type ManualClock = ReturnType<typeof manualClock>;

export interface SecurityTarget {
  /** The file's app; its clock must be a manualClock (the expired-token case moves it). */
  setup: () => Promise<{ t: TestApp; clock: ManualClock }>;
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  path: string;
  body?: unknown;
  /** Who may call: "any" is any signed-in user, observers included. */
  role: "architect" | "operator" | "any";
}

const bearer = (token: string) => `Bearer ${token}`;

export function describeSecurity(name: string, target: SecurityTarget) {
  const { method, path, body, role } = target;
  const writes = method !== "GET";

  describe(`${name} (security)`, () => {
    let t: TestApp;
    let clock: ManualClock;
    beforeAll(async () => {
      ({ t, clock } = await target.setup());
    });

    const call = (authorization?: string) =>
      fetch(t.url + path, {
        method,
        headers: {
          ...(body === undefined ? {} : { "content-type": "application/json" }),
          ...(authorization ? { authorization } : {}),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });

    const expectError = async (res: Response, status: number, code: string) => {
      const payload = await json(res);
      expect({ status: res.status, code: payload.error?.code }).toEqual({ status, code });
    };

    /** A user allowed on this route ("any": an architect, so that it can hold an API key). */
    const allowedUser = () => createUser(t, { profile: role === "operator" ? "vendor" : "agent" });

    const apiKeyOf = async (user: TestUser, permissions: string[]): Promise<{ id: string; key: string }> => {
      const keysPath = role === "operator" ? "/v1/vendor/keys" : "/v1/agent/keys";
      const res = await fetch(t.url + keysPath, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: bearer(user.token) },
        body: JSON.stringify({ name: "security suite", permissions }),
      });
      expect(res.status).toBe(201);
      return json(res);
    };

    test("the right caller gets past the guards (control)", async () => {
      const res = await call(bearer((await allowedUser()).token));
      const payload = res.status === 204 ? {} : await json(res);
      expect([401, 403]).not.toContain(res.status);
      expect(payload.error?.code).not.toBe("not_found");
    });

    test("no credentials: 401 unauthorized", async () => {
      const res = await call();
      expect(res.headers.get("www-authenticate")).toContain("Bearer");
      await expectError(res, 401, "unauthorized");
    });

    test("an Authorization header that is not a bearer token: 401", async () => {
      await expectError(await call("Basic dXNlcjpwYXNzd29yZA=="), 401, "invalid_authorization");
    });

    test("a malformed bearer token: 401 invalid_token", async () => {
      await expectError(await call(bearer("not.a.jwt")), 401, "invalid_token");
    });

    test("a malformed API key: 401 invalid_api_key", async () => {
      await expectError(await call(bearer("mp_sk_live_short")), 401, "invalid_api_key");
    });

    test("an expired access token of an allowed user: 401 invalid_token", async () => {
      const user = await allowedUser();
      const now = clock.now();
      const ttl = t.config.ACCESS_TOKEN_TTL_SECONDS;
      clock.set(new Date(now.getTime() - (ttl + 60) * 1000));
      let token: string;
      try {
        const role = (await t.sql<{ role: "observer" | "architect" | "operator" }[]>`SELECT role FROM users WHERE id = ${user.id}`)[0]!.role;
        ({ token } = await t.deps.tokens.sign({ sub: user.id.toString(), userID: user.id.toString(), role }));
      } finally {
        clock.set(now);
      }
      await expectError(await call(bearer(token)), 401, "invalid_token");
    });

    test("a well-formed token signed by a key the server does not publish: 401 invalid_token", async () => {
      const user = await allowedUser();
      const jwk = await generateSigningJwk();
      const forged = await new SignJWT({ userID: user.id.toString(), role: role === "any" ? "architect" : role })
        .setProtectedHeader({ alg: "EdDSA", kid: String(jwk.kid), typ: "JWT" })
        .setIssuer(t.config.JWT_ISSUER)
        .setAudience(t.config.JWT_AUDIENCE)
        .setSubject(user.id.toString())
        .setIssuedAt(Math.floor(clock.now().getTime() / 1000))
        .setExpirationTime(Math.floor(clock.now().getTime() / 1000) + 600)
        .sign(await importJWK(jwk, "EdDSA"));
      await expectError(await call(bearer(forged)), 401, "invalid_token");
    });

    if (role === "any") {
      test("an observer (no profile yet) gets past the guards", async () => {
        const res = await call(bearer((await createUser(t)).token));
        expect([401, 403]).not.toContain(res.status);
      });
    } else {
      const code = `${role}_role_required`;
      test(`the other role: 403 ${code}`, async () => {
        const other = await createUser(t, { profile: role === "architect" ? "vendor" : "agent" });
        await expectError(await call(bearer(other.token)), 403, code);
      });
      test(`an observer: 403 ${code}`, async () => {
        const res = await call(bearer((await createUser(t)).token));
        const payload = await json(res);
        expect({ status: res.status, code: payload.error?.code, your_role: payload.error?.details?.your_role }).toEqual({
          status: 403,
          code,
          your_role: "observer",
        });
      });
    }

    test(`an API key without "${writes ? "write" : "read"}": 403 insufficient_permissions`, async () => {
      const { key } = await apiKeyOf(await allowedUser(), [writes ? "read" : "write"]);
      await expectError(await call(bearer(key)), 403, "insufficient_permissions");
    });

    test("a revoked API key: 401 invalid_api_key", async () => {
      const user = await allowedUser();
      const { id, key } = await apiKeyOf(user, ["read", "write"]);
      const keysPath = role === "operator" ? "/v1/vendor/keys" : "/v1/agent/keys";
      const del = await fetch(`${t.url}${keysPath}/${id}`, { method: "DELETE", headers: { authorization: bearer(user.token) } });
      expect(del.status).toBe(204);
      await expectError(await call(bearer(key)), 401, "invalid_api_key");
    });
  });
}
