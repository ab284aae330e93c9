import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { manualClock, unixSeconds } from "@/core/clock";
import { startTestApp, type TestApp } from "../support/app";
import { createUser } from "../support/fixtures";
import { json } from "../support/http";
import { approve, deviceHeader, linkedDevice, startPairing } from "../support/pairing";
import { newWallet } from "../support/solana-keys";

const clock = manualClock(new Date("2026-11-25T12:00:00Z"));
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ PUBLIC_URL: "https://api.machpay.test", LINK_POLL_INTERVAL_SECONDS: "5", RATE_LIMIT_LINK_PER_MINUTE: "100000" }, { clock });
});
afterAll(() => t.close());

const status = (deviceCode: string) => fetch(`${t.url}/v1/link/status?device_code=${encodeURIComponent(deviceCode)}`);

describe("POST /v1/link/init", () => {
  test("a device proving its key gets a user code, a device code, the console link and the polling interval", async () => {
    const { res, body } = await startPairing(t, "agent");
    expect(res.status).toBe(201);
    expect(body.code).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    expect(body.device_code).toMatch(/^mp_dc_[0-9A-Za-z]{43}$/);
    expect(body.link_url).toBe(`https://api.machpay.test/console/link?code=${body.code}`);
    expect(body).toMatchObject({ interval: 5, expires_in: 600, expires_at: "2026-11-25T12:10:00.000Z" });
    // Only a hash of the device code is kept.
    const [row] = await t.sql`SELECT device_code_hash FROM link_requests WHERE user_code = ${body.code.replace("-", "")}`;
    expect(row!.device_code_hash).toMatch(/^[0-9a-f]{64}$/);
  });

  test("a signature by another key is refused", async () => {
    const device = await newWallet();
    const other = await newWallet();
    const ts = unixSeconds(clock.now());
    const res = await fetch(t.url + "/v1/link/init", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ pubkey: device.address, kind: "agent", timestamp: ts, signature: await other.signBase58(`machpay-link-init:agent:${device.address}:${ts}`) }),
    });
    expect(res.status).toBe(401);
    expect((await json(res)).error.code).toBe("invalid_signature");
  });

  test("a proof signed for the other kind is refused", async () => {
    const device = await newWallet();
    const ts = unixSeconds(clock.now());
    const res = await fetch(t.url + "/v1/link/init", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ pubkey: device.address, kind: "vendor", timestamp: ts, signature: await device.signBase58(`machpay-link-init:agent:${device.address}:${ts}`) }),
    });
    expect(res.status).toBe(401);
  });

  test("a proof older than five minutes is refused, and a proof is single use", async () => {
    const old = await startPairing(t, "agent", undefined, unixSeconds(clock.now()) - 301);
    expect(old.res.status).toBe(401);
    expect(old.body.error.code).toBe("proof_expired");
    const device = await newWallet();
    const ts = unixSeconds(clock.now());
    expect((await startPairing(t, "agent", device, ts)).res.status).toBe(201);
    const replay = await startPairing(t, "agent", device, ts);
    expect(replay.res.status).toBe(409);
    expect(replay.body.error.code).toBe("proof_already_used");
  });

  test("malformed input is a 400 naming the field", async () => {
    const res = await fetch(t.url + "/v1/link/init", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ pubkey: "not-a-key", kind: "robot", timestamp: "now", signature: "0OIl" }),
    });
    expect(res.status).toBe(400);
    const fields = (await json(res)).error.details.issues.map((i: { field: string }) => i.field).sort();
    expect(fields).toEqual(["kind", "pubkey", "signature", "timestamp"]);
  });
});

describe("POST /v1/link/approve", () => {
  test("binds the key to the approving user's agent profile, whatever the code's case or dash", async () => {
    const owner = await createUser(t, { profile: "agent", name: "Scout" });
    const { body } = await startPairing(t, "agent");
    const res = await approve(t, owner.token, body.code.replace("-", "").toLowerCase());
    expect(res.res.status).toBe(200);
    expect(res.body).toMatchObject({ status: "approved", kind: "agent", profile: { type: "agent", name: "Scout" } });
    const [bound] = await t.sql`SELECT user_id, kind FROM device_keys WHERE pubkey = ${res.body.pubkey}`;
    expect(bound).toEqual({ user_id: owner.id, kind: "agent" });
  });

  test("needs a signed-in session: none is 401, an API key 403", async () => {
    const { body } = await startPairing(t, "agent");
    const anonymous = await fetch(t.url + "/v1/link/approve", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ code: body.code }) });
    expect(anonymous.status).toBe(401);
    const owner = await createUser(t, { profile: "agent" });
    const key = await json(await fetch(t.url + "/v1/agent/keys", { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${owner.token}` }, body: JSON.stringify({ name: "ci" }) }));
    const viaKey = await approve(t, key.key, body.code);
    expect(viaKey.res.status).toBe(403);
    expect(viaKey.body.error.code).toBe("session_required");
  });

  test("needs a profile of the device's kind", async () => {
    const observer = await createUser(t);
    const vendor = await createUser(t, { profile: "vendor" });
    const { body } = await startPairing(t, "agent");
    const none = await approve(t, observer.token, body.code);
    expect(none.res.status).toBe(409);
    expect(none.body.error).toMatchObject({ code: "profile_required", details: { required_profile: "agent", your_profile: null } });
    const wrong = await approve(t, vendor.token, body.code);
    expect(wrong.body.error).toMatchObject({ code: "profile_required", details: { your_profile: "vendor" } });
    expect((await t.sql`SELECT 1 FROM device_keys WHERE link_request_id IS NOT NULL AND user_id = ${vendor.id}`).length).toBe(0);
  });

  test("unknown, malformed, used and expired codes are refused with clear codes", async () => {
    const owner = await createUser(t, { profile: "agent" });
    expect((await approve(t, owner.token, "BBBB-BBBB")).body.error.code).toBe("link_code_not_found");
    const malformed = await approve(t, owner.token, "AEIO-U123");
    expect(malformed.res.status).toBe(400);
    expect(malformed.body.error.details.issues[0].field).toBe("code");
    const { body } = await startPairing(t, "agent");
    expect((await approve(t, owner.token, body.code)).res.status).toBe(200);
    expect((await approve(t, owner.token, body.code)).res.status).toBe(404);
    const late = await startPairing(t, "agent");
    clock.advance(600_000);
    const expired = await approve(t, owner.token, late.body.code);
    expect(expired.res.status).toBe(410);
    expect(expired.body.error.code).toBe("link_code_expired");
  });

  test("one key, one profile: a linked key cannot start pairing again, nor be approved twice through two requests", async () => {
    const a = await createUser(t, { profile: "agent" });
    const b = await createUser(t, { profile: "agent" });
    const device = await newWallet();
    const first = await startPairing(t, "agent", device);
    const second = await startPairing(t, "agent", device, unixSeconds(clock.now()) - 1);
    expect((await approve(t, a.token, first.body.code)).res.status).toBe(200);
    const race = await approve(t, b.token, second.body.code);
    expect(race.res.status).toBe(409);
    expect(race.body.error.code).toBe("key_already_linked");
    const again = await startPairing(t, "agent", device, unixSeconds(clock.now()) - 2);
    expect(again.res.status).toBe(409);
    expect(again.body.error.code).toBe("key_already_linked");
  });

  test("two people approving one code at once: exactly one wins", async () => {
    const users = await Promise.all([1, 2, 3].map(() => createUser(t, { profile: "agent" })));
    const { body } = await startPairing(t, "agent");
    const results = await Promise.all(users.map((u) => approve(t, u.token, body.code)));
    expect(results.map((r) => r.res.status).sort()).toEqual([200, 404, 404]);
  });
});

describe("GET /v1/link/status", () => {
  test("goes from pending to approved with the profile, paced by the interval", async () => {
    const owner = await createUser(t, { profile: "vendor", name: "Weather Co" });
    const { body } = await startPairing(t, "vendor");
    const first = await status(body.device_code);
    expect(first.status).toBe(200);
    expect(await json(first)).toMatchObject({ status: "pending", profile: null });
    const tooFast = await status(body.device_code);
    expect(tooFast.status).toBe(429);
    expect(tooFast.headers.get("retry-after")).toBe("5");
    expect((await json(tooFast)).error.code).toBe("slow_down");
    await approve(t, owner.token, body.code);
    clock.advance(5000);
    expect(await json(await status(body.device_code))).toMatchObject({ status: "approved", profile: { type: "vendor", name: "Weather Co" } });
  });

  test("says expired after ten minutes, and an unknown device code is a 404", async () => {
    const { body } = await startPairing(t, "agent");
    clock.advance(600_000);
    expect((await json(await status(body.device_code))).status).toBe("expired");
    expect((await status("mp_dc_unknown")).status).toBe(404);
  });
});

describe("GET /v1/link/requests/{code}", () => {
  test("shows a signed-in person which key asks to be linked", async () => {
    const viewer = await createUser(t);
    const { body, device } = await startPairing(t, "vendor");
    const res = await fetch(`${t.url}/v1/link/requests/${body.code}`, { headers: { authorization: `Bearer ${viewer.token}` } });
    expect(await json(res)).toMatchObject({ code: body.code, kind: "vendor", pubkey: device.address, status: "pending" });
    expect((await fetch(`${t.url}/v1/link/requests/${body.code}`)).status).toBe(401);
  });
});

describe("device-signed requests", () => {
  test("GET /v1/link/device tells a key whether it is linked", async () => {
    const device = await newWallet();
    const before = await fetch(t.url + "/v1/link/device", { headers: { authorization: await deviceHeader(t, device, "GET", "/v1/link/device") } });
    expect(await json(before)).toEqual({ pubkey: device.address, linked: false, kind: null, profile: null });
    const owner = await createUser(t, { profile: "agent", name: "Scout" });
    const started = await startPairing(t, "agent", device);
    await approve(t, owner.token, started.body.code);
    const after = await fetch(t.url + "/v1/link/device", { headers: { authorization: await deviceHeader(t, device, "GET", "/v1/link/device") } });
    expect(await json(after)).toEqual({ pubkey: device.address, linked: true, kind: "agent", profile: { type: "agent", name: "Scout" } });
  });

  test("a linked agent key reads its balance, and only reads", async () => {
    const owner = await createUser(t, { profile: "agent" });
    const device = await linkedDevice(t, owner.token, "agent");
    await t.sql`UPDATE agent_accounts SET balance_atomic = 25000000 WHERE user_id = ${owner.id}`;
    const res = await fetch(t.url + "/v1/agent/balance", { headers: { authorization: await deviceHeader(t, device, "GET", "/v1/agent/balance") } });
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ available_atomic: "25000000", bonded_atomic: "0", pending_atomic: "0" });
    const write = await fetch(t.url + "/v1/agent/keys", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: await deviceHeader(t, device, "POST", "/v1/agent/keys") },
      body: JSON.stringify({ name: "x" }),
    });
    expect(write.status).toBe(403);
    expect((await json(write)).error.code).toBe("insufficient_permissions");
  });

  test("a signature for another path, a stale timestamp, an unlinked key or garbage are refused", async () => {
    const owner = await createUser(t, { profile: "agent" });
    const device = await linkedDevice(t, owner.token, "agent");
    const get = async (authorization: string) => fetch(t.url + "/v1/agent/balance", { headers: { authorization } });
    const otherPath = await get(await deviceHeader(t, device, "GET", "/v1/agent/transactions"));
    expect((await json(otherPath)).error.code).toBe("invalid_device_signature");
    const stale = await get(await deviceHeader(t, device, "GET", "/v1/agent/balance", unixSeconds(clock.now()) - 301));
    expect((await json(stale)).error.code).toBe("proof_expired");
    const stranger = await get(await deviceHeader(t, await newWallet(), "GET", "/v1/agent/balance"));
    expect((await json(stranger)).error.code).toBe("device_not_linked");
    expect((await get("Device nonsense")).status).toBe(401);
  });
});

describe("GET /v1/gateway/agents/{pubkey}", () => {
  async function gatewayKey() {
    const vendor = await createUser(t, { profile: "vendor" });
    const res = await fetch(t.url + "/v1/vendor/keys", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${vendor.token}` },
      body: JSON.stringify({ name: "gateway" }),
    });
    return (await json(res)).key as string;
  }
  const lookup = (pubkey: string, credential: string) => fetch(`${t.url}/v1/gateway/agents/${pubkey}`, { headers: { authorization: credential } });

  test("reports a linked agent's id, status and spendable balance to a gateway key", async () => {
    const key = await gatewayKey();
    const owner = await createUser(t, { profile: "agent" });
    const device = await linkedDevice(t, owner.token, "agent");
    await t.sql`UPDATE agent_accounts SET balance_atomic = 1234 WHERE user_id = ${owner.id}`;
    expect(await json(await lookup(device.address, `Bearer ${key}`))).toEqual({ linked: true, agent_id: owner.id.toString(), status: "ACTIVE", available_atomic: "1234" });
    await t.sql`UPDATE users SET status = 'SUSPENDED' WHERE id = ${owner.id}`;
    expect((await json(await lookup(device.address, `Bearer ${key}`))).status).toBe("SUSPENDED");
    const unknown = await json(await lookup((await newWallet()).address, `Bearer ${key}`));
    expect(unknown).toEqual({ linked: false, agent_id: null, status: null, available_atomic: "0" });
  });

  test("a linked gateway device may look agents up too, but agents and people may not", async () => {
    const vendor = await createUser(t, { profile: "vendor" });
    const gateway = await linkedDevice(t, vendor.token, "vendor");
    const someone = (await newWallet()).address;
    const path = `/v1/gateway/agents/${someone}`;
    expect((await lookup(someone, await deviceHeader(t, gateway, "GET", path))).status).toBe(200);
    const agent = await createUser(t, { profile: "agent" });
    const refused = await lookup(someone, `Bearer ${agent.token}`);
    expect(refused.status).toBe(403);
    expect((await json(refused)).error.code).toBe("gateway_key_required");
    expect((await lookup(someone, `Bearer ${vendor.token}`)).status).toBe(403);
    expect((await lookup(someone, "")).status).toBe(401);
  });
});

describe("rate limit on /v1/link/*", () => {
  test("inits per IP are limited by RATE_LIMIT_LINK_PER_MINUTE", async () => {
    const limited = await startTestApp({ RATE_LIMIT_LINK_PER_MINUTE: "2" }, { clock });
    try {
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await startPairing(limited, "agent")).res.status);
      expect(statuses).toEqual([201, 201, 429]);
    } finally {
      await limited.close();
    }
  });
});
