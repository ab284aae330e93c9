import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestApp, type TestApp } from "../support/app";
import { createUser, type TestUser } from "../support/fixtures";
import { json } from "../support/http";
import { createKey } from "../support/ledger";

// GET/POST/DELETE /v1/webhooks (issue 7 item 6): a user's own endpoints, the secret shown once,
// targets checked against SSRF at registration. `open` allows private targets (as tests of
// delivery need, for a receiver on 127.0.0.1); `strict` runs the production default on the same
// database.

let open: TestApp;
let strict: TestApp;
beforeAll(async () => {
  open = await startTestApp({ WEBHOOK_ALLOW_PRIVATE_TARGETS: "true" });
  strict = await startTestApp({}, { db: open.db });
});
afterAll(async () => {
  await strict.close();
  await open.close();
});

const call = async (t: TestApp, method: string, path: string, token: string | null, body?: unknown) => {
  const res = await fetch(t.url + path, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, text, body: text ? JSON.parse(text) : null };
};

const create = (t: TestApp, user: TestUser, url: string, events: string[] = ["settlement.failed"]) => call(t, "POST", "/v1/webhooks", user.token, { url, events });

describe("webhook registration", () => {
  test("the secret is shown once, at creation; lists never carry it, and it is not stored in clear", async () => {
    const user = await createUser(open);
    const created = await create(open, user, "https://8.8.8.8/machpay", ["settlement.failed", "payout.confirmed"]);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ url: "https://8.8.8.8/machpay", events: ["payout.confirmed", "settlement.failed"] });
    expect(created.body.id).toMatch(/^\d+$/);
    const secret: string = created.body.secret;
    expect(secret).toMatch(/^whsec_[0-9A-Za-z]{32,}$/);

    const listed = await call(open, "GET", "/v1/webhooks", user.token);
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual({ data: [{ id: created.body.id, url: "https://8.8.8.8/machpay", events: ["payout.confirmed", "settlement.failed"], created_at: created.body.created_at }], next_cursor: null });
    expect(listed.text).not.toContain(secret);
    expect(listed.text).not.toContain("whsec_");

    const [row] = await open.sql<{ secret_sealed: string }[]>`SELECT secret_sealed FROM webhooks WHERE id = ${BigInt(created.body.id)}`;
    expect(row!.secret_sealed).not.toContain(secret.slice(6));
    // Two webhooks never share a secret.
    const other = await create(open, user, "https://8.8.8.8/other");
    expect(other.body.secret).not.toBe(secret);
  });

  test('"*" subscribes to every type and is stored alone; unknown types and empty lists are 400', async () => {
    const user = await createUser(open);
    const all = await create(open, user, "https://8.8.8.8/all", ["payout.failed", "*"]);
    expect(all.status).toBe(201);
    expect(all.body.events).toEqual(["*"]);
    for (const events of [["settlement.exploded"], [], "settlement.failed"]) {
      const r = await call(open, "POST", "/v1/webhooks", user.token, { url: "https://8.8.8.8/x", events });
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe("invalid_request");
      expect(r.body.error.details.issues[0].field).toStartWith("events");
    }
    const noUrl = await call(open, "POST", "/v1/webhooks", user.token, { url: "not a url", events: ["*"] });
    expect(noUrl.status).toBe(400);
    expect(noUrl.body.error.details.issues[0].field).toBe("url");
  });

  test("signed-in users only; an API key within its permissions (read lists, write creates)", async () => {
    const anon = await call(open, "POST", "/v1/webhooks", null, { url: "https://8.8.8.8/x", events: ["*"] });
    expect(anon.status).toBe(401);
    expect((await call(open, "GET", "/v1/webhooks", "not-a-token")).status).toBe(401);

    const agent = await createUser(open, { profile: "agent" });
    const readKey = await createKey(open, agent.token, "agent", ["read"]);
    const writeKey = await createKey(open, agent.token, "agent", ["read", "write"]);
    const refused = await call(open, "POST", "/v1/webhooks", readKey, { url: "https://8.8.8.8/x", events: ["*"] });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe("insufficient_permissions");
    const made = await call(open, "POST", "/v1/webhooks", writeKey, { url: "https://8.8.8.8/x", events: ["*"] });
    expect(made.status).toBe(201);
    const listed = await call(open, "GET", "/v1/webhooks", readKey);
    expect(listed.body.data.map((w: { id: string }) => w.id)).toEqual([made.body.id]);
    expect((await call(open, "DELETE", `/v1/webhooks/${made.body.id}`, readKey)).status).toBe(403);
  });

  test("another user's webhook is invisible: not listed, and deleting it is 404", async () => {
    const alice = await createUser(open);
    const bob = await createUser(open);
    const hook = await create(open, alice, "https://8.8.8.8/alice");
    expect((await call(open, "GET", "/v1/webhooks", bob.token)).body.data).toEqual([]);
    const stolen = await call(open, "DELETE", `/v1/webhooks/${hook.body.id}`, bob.token);
    expect(stolen.status).toBe(404);
    expect(stolen.body.error.code).toBe("webhook_not_found");
    expect((await call(open, "GET", "/v1/webhooks", alice.token)).body.data).toHaveLength(1);

    expect((await call(open, "DELETE", `/v1/webhooks/${hook.body.id}`, alice.token)).status).toBe(204);
    expect((await call(open, "GET", "/v1/webhooks", alice.token)).body.data).toEqual([]);
    expect((await call(open, "DELETE", `/v1/webhooks/${hook.body.id}`, alice.token)).status).toBe(404);
    expect((await call(open, "DELETE", "/v1/webhooks/abc", alice.token)).status).toBe(400);
  });

  test("at most 10 per user (409), listed newest first in pages", async () => {
    const user = await createUser(open);
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push((await create(open, user, `https://8.8.8.8/${i}`)).body.id);
    const over = await create(open, user, "https://8.8.8.8/11");
    expect(over.status).toBe(409);
    expect(over.body.error.code).toBe("webhook_limit_reached");

    const first = await call(open, "GET", "/v1/webhooks?limit=4", user.token);
    expect(first.body.data.map((w: { id: string }) => w.id)).toEqual(ids.slice(-4).reverse());
    const seen = [...first.body.data];
    let cursor = first.body.next_cursor;
    while (cursor) {
      const page = await call(open, "GET", `/v1/webhooks?limit=4&cursor=${cursor}`, user.token);
      seen.push(...page.body.data);
      cursor = page.body.next_cursor;
    }
    expect(seen.map((w) => w.id)).toEqual([...ids].reverse());
    const bad = await call(open, "GET", "/v1/webhooks?cursor=garbage", user.token);
    expect(bad.status).toBe(400);
  });
});

describe("SSRF at registration (private targets not allowed)", () => {
  test.each([
    "https://127.0.0.1/hook",
    "https://127.8.9.10:8443/hook",
    "https://10.0.0.5/hook",
    "https://192.168.1.20/hook",
    "https://172.20.0.1/hook",
    "https://100.64.1.1/hook",
    "https://169.254.169.254/latest/meta-data/",
    "https://0.0.0.0/hook",
    "https://[::1]/hook",
    "https://[::ffff:127.0.0.1]/hook",
    "https://[fd00::1]/hook",
    "https://[fe80::1]/hook",
    "https://0x7f000001/hook",
    "https://2130706433/hook",
    "https://localhost/hook",
    "https://localhost:8081/hook",
  ])("%s is refused", async (url) => {
    const user = await createUser(strict);
    const r = await create(strict, user, url);
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe("webhook_url_forbidden");
    expect(r.body.error.details.reason).toBe("private_address");
    expect((await call(strict, "GET", "/v1/webhooks", user.token)).body.data).toEqual([]);
  });

  test("plain http, credentials in the URL and names that do not resolve are refused; a public https target is accepted", async () => {
    const user = await createUser(strict);
    const http = await create(strict, user, "http://8.8.8.8/hook");
    expect(http.status).toBe(400);
    expect(http.body.error).toMatchObject({ code: "invalid_request", details: { issues: [{ field: "url" }] } });
    const creds = await create(strict, user, "https://user:pw@8.8.8.8/hook");
    expect(creds.status).toBe(400);
    expect(creds.body.error.code).toBe("invalid_request");
    const nowhere = await create(strict, user, "https://no-such-host.invalid/hook");
    expect(nowhere.status).toBe(400);
    expect(nowhere.body.error.code).toBe("webhook_url_unresolvable");
    const ok = await create(strict, user, "https://8.8.8.8/hook");
    expect(ok.status).toBe(201);
  });

  test("with private targets allowed (tests), a local http receiver is accepted", async () => {
    const user = await createUser(open);
    const r = await create(open, user, "http://127.0.0.1:9/hook");
    expect(r.status).toBe(201);
  });
});
