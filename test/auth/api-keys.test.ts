import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { z } from "@hono/zod-openapi";
import { MAX_ACTIVE_KEYS } from "@/auth/api-keys";
import { ApiKeyListSchema, CreatedApiKeySchema } from "@/auth/routes/keys";
import { manualClock } from "@/core/clock";
import { startTestApp, type TestApp } from "../support/app";
import { createUser, type TestUser } from "../support/fixtures";
import { json } from "../support/http";

const clock = manualClock(new Date("2026-11-25T12:00:00Z"));
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({}, { clock });
});
afterAll(() => t.close());

const AGENT_KEYS = "/v1/agent/keys";
const VENDOR_KEYS = "/v1/vendor/keys";

const call = (method: string, path: string, credential?: string, body?: unknown) =>
  fetch(t.url + path, {
    method,
    headers: {
      ...(credential ? { authorization: `Bearer ${credential}` } : {}),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

async function createKey(user: TestUser, body: Record<string, unknown> = { name: "test key" }, path = AGENT_KEYS) {
  const res = await call("POST", path, user.token, body);
  expect(res.status).toBe(201);
  return CreatedApiKeySchema.parse(await json(res));
}

async function listKeys(credential: string, path = AGENT_KEYS) {
  const res = await call("GET", path, credential);
  expect(res.status).toBe(200);
  // Validated against the declared schema, but returned raw so that extra fields stay visible.
  const body = await json(res);
  ApiKeyListSchema.parse(body);
  return body as z.infer<typeof ApiKeyListSchema>;
}

async function expectError(res: Response, status: number, code: string) {
  const body = await json(res);
  expect({ status: res.status, code: body.error?.code }).toEqual({ status, code });
  return body;
}

const fields = (body: any): string[] => body.error.details.issues.map((i: { field: string }) => i.field);

describe("creating agent keys", () => {
  test("returns the secret once in the contract's format; only its peppered HMAC is stored", async () => {
    const u = await createUser(t, { profile: "agent" });
    const created = await createKey(u, { name: "production agent" });
    expect(created.key).toMatch(/^mp_sk_live_[0-9A-Za-z]{32}$/);
    expect(created).toMatchObject({
      name: "production agent",
      prefix: created.key.slice(0, "mp_sk_live_".length + 4),
      permissions: ["read", "write"],
      created_at: clock.now().toISOString(),
    });
    expect(created.id).toMatch(/^\d+$/);

    const [row] = await t.sql<{ hash: string; prefix: string }[]>`SELECT hash, prefix FROM api_keys WHERE id = ${BigInt(created.id)}`;
    expect(row!.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(row!.hash).toBe(t.deps.secrets.hmac(created.key));
    expect(row!.hash).not.toContain(created.key.slice("mp_sk_live_".length));

    // The list item has exactly the declared fields: no key, no hash.
    const list = await listKeys(u.token);
    expect(list.data.map((k) => k.id)).toEqual([created.id]);
    expect(list.data[0]).toEqual({
      id: created.id,
      name: "production agent",
      prefix: created.prefix,
      permissions: ["read", "write"],
      last_used_at: null,
      created_at: created.created_at,
      revoked_at: null,
    });
    const raw = JSON.stringify(list);
    expect(raw).not.toContain(created.key);
    expect(raw).not.toContain(row!.hash);
    expect(JSON.stringify(t.logs)).not.toContain(created.key);
  });

  test("two keys of one user never share a secret or an id", async () => {
    const u = await createUser(t, { profile: "agent" });
    const a = await createKey(u);
    const b = await createKey(u);
    expect(a.key).not.toBe(b.key);
    expect(a.id).not.toBe(b.id);
  });

  test("permissions are stored in canonical order and shown as given", async () => {
    const u = await createUser(t, { profile: "agent" });
    expect((await createKey(u, { name: "rw", permissions: ["write", "read"] })).permissions).toEqual(["read", "write"]);
    expect((await createKey(u, { name: "r", permissions: ["read"] })).permissions).toEqual(["read"]);
  });

  test("validation: name missing, blank or too long, unknown or empty permissions are 400s naming the field", async () => {
    const u = await createUser(t, { profile: "agent" });
    for (const [body, field] of [
      [{}, "name"],
      [{ name: "   " }, "name"],
      [{ name: "x".repeat(51) }, "name"],
      [{ name: "ok", permissions: ["admin"] }, "permissions.0"],
      [{ name: "ok", permissions: [] }, "permissions"],
      [{ name: "ok", permissions: "read" }, "permissions"],
    ] as const) {
      const res = await call("POST", AGENT_KEYS, u.token, body);
      const err = await expectError(res, 400, "invalid_request");
      expect([...new Set(fields(err))]).toEqual([field]);
    }
    expect((await createKey(u, { name: "x".repeat(50) })).name).toHaveLength(50);
    expect((await listKeys(u.token)).data).toHaveLength(1);
  });
});

describe("using keys", () => {
  test("a key authenticates wherever its owner's token does, within its permissions", async () => {
    const u = await createUser(t, { profile: "agent" });
    const { key, id } = await createKey(u);
    const list = await listKeys(key);
    expect(list.data.map((k) => k.id)).toEqual([id]);
    expect((await call("GET", "/v1/profile", key)).status).toBe(200);
  });

  test("a read-only key reads but cannot write", async () => {
    const u = await createUser(t, { profile: "agent" });
    const { key } = await createKey(u, { name: "reader", permissions: ["read"] });
    expect((await call("GET", AGENT_KEYS, key)).status).toBe(200);
    const err = await expectError(await call("POST", "/v1/profile", key, { type: "agent", name: "x" }), 403, "insufficient_permissions");
    expect(err.error.message).toContain("write");
    await expectError(await call("POST", AGENT_KEYS, key, { name: "more" }), 403, "insufficient_permissions");
  });

  test("a write-only key cannot read", async () => {
    const u = await createUser(t, { profile: "agent" });
    const { key } = await createKey(u, { name: "writer", permissions: ["write"] });
    await expectError(await call("GET", AGENT_KEYS, key), 403, "insufficient_permissions");
    await expectError(await call("GET", "/v1/profile", key), 403, "insufficient_permissions");
  });

  test("even a read-write key cannot create or revoke keys: 403 session_required", async () => {
    const u = await createUser(t, { profile: "agent" });
    const { key, id } = await createKey(u);
    await expectError(await call("POST", AGENT_KEYS, key, { name: "escalate" }), 403, "session_required");
    await expectError(await call("DELETE", `${AGENT_KEYS}/${id}`, key), 403, "session_required");
    // Nothing happened: still one key, still active.
    const list = await listKeys(u.token);
    expect(list.data.map((k) => [k.id, k.revoked_at])).toEqual([[id, null]]);
  });

  test("malformed and unknown keys are 401 invalid_api_key", async () => {
    await expectError(await call("GET", AGENT_KEYS, "mp_sk_live_short"), 401, "invalid_api_key");
    await expectError(await call("GET", AGENT_KEYS, "mp_sk_live_" + "A".repeat(31) + "!"), 401, "invalid_api_key");
    await expectError(await call("GET", AGENT_KEYS, "mp_sk_live_" + "A".repeat(32)), 401, "invalid_api_key");
  });

  test("last_used_at is null until the key is used, then set at the batched flush", async () => {
    const u = await createUser(t, { profile: "agent" });
    const { key, id } = await createKey(u);
    const before = await listKeys(u.token);
    expect(before.data.find((k) => k.id === id)!.last_used_at).toBeNull();

    clock.advance(5_000);
    const usedAt = clock.now().toISOString();
    expect((await call("GET", "/v1/profile", key)).status).toBe(200);
    // No write on the request path: nothing changes until the flush.
    expect((await listKeys(u.token)).data.find((k) => k.id === id)!.last_used_at).toBeNull();

    await t.deps.keyUsage.flush();
    const after = await listKeys(u.token);
    expect(after.data.find((k) => k.id === id)!.last_used_at).toBe(usedAt);
  });
});

describe("revoking keys", () => {
  test("a revoked key is refused on the very next request and listed as revoked", async () => {
    const u = await createUser(t, { profile: "agent" });
    const { key, id } = await createKey(u);
    expect((await call("GET", AGENT_KEYS, key)).status).toBe(200);

    clock.advance(60_000);
    const res = await call("DELETE", `${AGENT_KEYS}/${id}`, u.token);
    expect(res.status).toBe(204);
    expect(await res.text()).toBe("");
    await expectError(await call("GET", AGENT_KEYS, key), 401, "invalid_api_key");

    const revokedAt = clock.now().toISOString();
    expect((await listKeys(u.token)).data.find((k) => k.id === id)!.revoked_at).toBe(revokedAt);

    // Idempotent: a retried DELETE is a 204 again and keeps the first revocation time.
    clock.advance(60_000);
    expect((await call("DELETE", `${AGENT_KEYS}/${id}`, u.token)).status).toBe(204);
    expect((await listKeys(u.token)).data.find((k) => k.id === id)!.revoked_at).toBe(revokedAt);
  });

  test("another user's key cannot be revoked (404, as if unknown) nor seen", async () => {
    const owner = await createUser(t, { profile: "agent" });
    const stranger = await createUser(t, { profile: "agent" });
    const { key, id } = await createKey(owner);
    await createKey(stranger, { name: "mine" });

    await expectError(await call("DELETE", `${AGENT_KEYS}/${id}`, stranger.token), 404, "api_key_not_found");
    expect((await listKeys(stranger.token)).data.map((k) => k.id)).not.toContain(id);
    expect((await call("GET", AGENT_KEYS, key)).status).toBe(200);

    // An unknown id answers exactly the same way.
    const unknown = await expectError(await call("DELETE", `${AGENT_KEYS}/999999999`, stranger.token), 404, "api_key_not_found");
    const foreign = await expectError(await call("DELETE", `${AGENT_KEYS}/${id}`, stranger.token), 404, "api_key_not_found");
    expect(foreign.error.message.replace(id, "ID")).toBe(unknown.error.message.replace("999999999", "ID"));
  });

  test("ids out of range are 404 and non-numeric ids 400 naming id", async () => {
    const u = await createUser(t, { profile: "agent" });
    await expectError(await call("DELETE", `${AGENT_KEYS}/99999999999999999999`, u.token), 404, "api_key_not_found");
    const err = await expectError(await call("DELETE", `${AGENT_KEYS}/abc`, u.token), 400, "invalid_request");
    expect(fields(err)).toEqual(["id"]);
  });
});

describe("vendor gateway keys", () => {
  test("operators create mp_gk_live_ keys on /v1/vendor/keys, which authenticate and revoke like agent keys", async () => {
    const op = await createUser(t, { profile: "vendor" });
    const created = await createKey(op, { name: "edge gateway", permissions: ["read"] }, VENDOR_KEYS);
    expect(created.key).toMatch(/^mp_gk_live_[0-9A-Za-z]{32}$/);
    expect(created.prefix).toBe(created.key.slice(0, "mp_gk_live_".length + 4));
    const list = await listKeys(created.key, VENDOR_KEYS);
    expect(list.data.map((k) => [k.id, k.permissions])).toEqual([[created.id, ["read"]]]);

    // A gateway key is not an agent key: the agent list and revocation do not know it.
    await expectError(await call("GET", AGENT_KEYS, op.token), 403, "architect_role_required");
    const arch = await createUser(t, { profile: "agent" });
    await expectError(await call("DELETE", `${AGENT_KEYS}/${created.id}`, arch.token), 404, "api_key_not_found");

    expect((await call("DELETE", `${VENDOR_KEYS}/${created.id}`, op.token)).status).toBe(204);
    await expectError(await call("GET", VENDOR_KEYS, created.key), 401, "invalid_api_key");
  });
});

describe("limits and pagination", () => {
  test(`at most ${MAX_ACTIVE_KEYS} active keys: the next is 409 key_limit_reached until one is revoked`, async () => {
    const u = await createUser(t, { profile: "agent" });
    const ids: string[] = [];
    for (let i = 0; i < MAX_ACTIVE_KEYS; i++) ids.push((await createKey(u, { name: `k${i}` })).id);
    const err = await expectError(await call("POST", AGENT_KEYS, u.token, { name: "one too many" }), 409, "key_limit_reached");
    expect(err.error.details).toEqual({ limit: MAX_ACTIVE_KEYS });

    expect((await call("DELETE", `${AGENT_KEYS}/${ids[0]}`, u.token)).status).toBe(204);
    await createKey(u, { name: "replacement" });
    await expectError(await call("POST", AGENT_KEYS, u.token, { name: "again" }), 409, "key_limit_reached");
  });

  test("the limit holds under concurrent creation", async () => {
    const u = await createUser(t, { profile: "agent" });
    for (let i = 0; i < MAX_ACTIVE_KEYS - 2; i++) await createKey(u, { name: `k${i}` });
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => call("POST", AGENT_KEYS, u.token, { name: `race${i}` })));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 201, 409, 409, 409, 409]);
    const [row] = await t.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM api_keys WHERE user_id = ${u.id} AND revoked_at IS NULL`;
    expect(row!.n).toBe(MAX_ACTIVE_KEYS);
  });

  test("lists page newest first with limit and an opaque cursor, revoked keys included", async () => {
    const u = await createUser(t, { profile: "agent" });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await createKey(u, { name: `k${i}` })).id);
    expect((await call("DELETE", `${AGENT_KEYS}/${ids[1]}`, u.token)).status).toBe(204);

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await call("GET", `${AGENT_KEYS}?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, u.token);
      expect(res.status).toBe(200);
      const page = ApiKeyListSchema.parse(await json(res));
      expect(page.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.data.map((k) => k.id));
      cursor = page.next_cursor;
      pages++;
    } while (cursor && pages < 10);
    expect(seen).toEqual([...ids].reverse());
    expect(pages).toBe(3);

    const all = await listKeys(u.token);
    expect(all.next_cursor).toBeNull();
    expect(all.data.filter((k) => k.revoked_at !== null).map((k) => k.id)).toEqual([ids[1]!]);
  });

  test("bad limit or cursor values are 400s naming the parameter", async () => {
    const u = await createUser(t, { profile: "agent" });
    for (const [query, field] of [
      ["limit=0", "limit"],
      ["limit=201", "limit"],
      ["limit=ten", "limit"],
      ["cursor=bm90LWEtY3Vyc29y", "cursor"],
    ] as const) {
      const err = await expectError(await call("GET", `${AGENT_KEYS}?${query}`, u.token), 400, "invalid_request");
      expect(fields(err)).toEqual([field]);
    }
    expect((await call("GET", `${AGENT_KEYS}?limit=200`, u.token)).status).toBe(200);
  });
});
