import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestApp, type TestApp } from "../support/app";
import { createUser, type TestUser } from "../support/fixtures";
import { json } from "../support/http";
import { createKey, post } from "../support/ledger";
import { deviceHeader, linkedDevice } from "../support/pairing";
import { ingestAuthorization, startTestReceiver, type TestReceiver } from "../support/receiver";
import { newWallet, type TestWallet } from "../support/solana-keys";
import { paymentAuthorized, sdkPacket } from "../support/telemetry-shapes";

// Who may send telemetry, and that a refused request writes nothing. A gateway: its gateway key or
// its linked vendor device (signing method, path, time and body); an SDK: its agent key or linked
// agent device. Everything else is refused before the body is looked at.

let t: TestApp;
let r: TestReceiver;
let vendor: TestUser;
let agent: TestUser;
let gatewayDevice: TestWallet;
let agentDevice: TestWallet;
let gatewayKey: string;
let agentKey: string;
let readOnlyGatewayKey: string;
let revokedGatewayKey: string;

const TABLES = ["telemetry_events", "payment_authorized", "request_blocked", "solvency_alerts", "gateway_telemetry", "agent_telemetry", "metrics", "logs"];

async function rowCounts() {
  const out: Record<string, number> = {};
  for (const table of TABLES) out[table] = Number((await t.sql.unsafe(`SELECT count(*)::int AS n FROM ${table}`))[0]!.n);
  return out;
}

beforeAll(async () => {
  t = await startTestApp({ RATE_LIMIT_LINK_PER_MINUTE: "1000" });
  r = await startTestReceiver(t);
  vendor = await createUser(t, { profile: "vendor" });
  agent = await createUser(t, { profile: "agent" });
  gatewayDevice = await linkedDevice(t, vendor.token, "vendor");
  agentDevice = await linkedDevice(t, agent.token, "agent");
  gatewayKey = await createKey(t, vendor.token, "gateway");
  agentKey = await createKey(t, agent.token, "agent");
  readOnlyGatewayKey = await createKey(t, vendor.token, "gateway", ["read"]);
  const revoked = await post(t, "/v1/vendor/keys", vendor.token, { name: "revoked", permissions: ["read", "write"] });
  revokedGatewayKey = revoked.body.key;
  const del = await fetch(`${t.url}/v1/vendor/keys/${revoked.body.id}`, { method: "DELETE", headers: { authorization: `Bearer ${vendor.token}` } });
  expect(del.status).toBe(204);
});
afterAll(async () => {
  await r.close();
  await t.close();
});

const batch = () => JSON.stringify([paymentAuthorized({ time: new Date(), agent: "a", amount: 1 })]);
const packet = () => JSON.stringify(sdkPacket({ end: new Date(), agent: "a" }));
const now = () => Math.floor(Date.now() / 1000);

async function expectRefused(res: Response, status: number, code: string) {
  const body = await json(res);
  expect({ status: res.status, code: body.error?.code }).toEqual({ status, code });
  return body;
}

describe("refused, and nothing written", () => {
  let before: Record<string, number>;
  beforeAll(async () => {
    await r.flushed();
    before = await rowCounts();
  });

  test("no credentials: 401 with a challenge naming both schemes", async () => {
    const res = await r.post("/v1/ingest", batch());
    expect(res.headers.get("www-authenticate")).toContain("Ingest");
    await expectRefused(res, 401, "unauthorized");
  });

  test("a signature by another key than the one it names: 401", async () => {
    const other = await newWallet();
    const body = batch();
    const forged = (await ingestAuthorization(other, "/v1/ingest", body)).replace(other.address, gatewayDevice.address);
    await expectRefused(await r.post("/v1/ingest", body, forged), 401, "invalid_device_signature");
  });

  test("a signature over another body (a captured request with its body altered): 401", async () => {
    const signed = await ingestAuthorization(gatewayDevice, "/v1/ingest", batch());
    await expectRefused(await r.post("/v1/ingest", batch(), signed), 401, "invalid_device_signature");
  });

  test("a signature over another path: 401", async () => {
    const body = batch();
    await expectRefused(await r.post("/v1/ingest", body, await ingestAuthorization(gatewayDevice, "/v1/ingest?x=1", body)), 401, "invalid_device_signature");
  });

  test("a signature an hour old: 401 proof_expired", async () => {
    const body = batch();
    const res = await r.post("/v1/ingest", body, await ingestAuthorization(gatewayDevice, "/v1/ingest", body, now() - 3600));
    expect((await expectRefused(res, 401, "proof_expired")).error.details.server_time).toBeNumber();
  });

  test("a malformed Ingest header: 401", async () => {
    await expectRefused(await r.post("/v1/ingest", batch(), "Ingest not-a-key:1:sig"), 401, "invalid_device_signature");
  });

  test("a key linked to nobody, correctly signed: 401 device_not_linked", async () => {
    const stranger = await newWallet();
    const body = batch();
    await expectRefused(await r.post("/v1/ingest", body, await ingestAuthorization(stranger, "/v1/ingest", body)), 401, "device_not_linked");
  });

  test("the API's read-only Device scheme (it signs no body): 401", async () => {
    await expectRefused(await r.post("/v1/ingest", batch(), await deviceHeader(t, gatewayDevice, "POST", "/v1/ingest")), 401, "invalid_authorization");
  });

  test("unknown, malformed and revoked API keys: 401", async () => {
    await expectRefused(await r.post("/v1/ingest", batch(), `Bearer mp_gk_live_${"0".repeat(40)}`), 401, "invalid_api_key");
    await expectRefused(await r.post("/v1/ingest", batch(), "Bearer mp_gk_live_short"), 401, "invalid_api_key");
    await expectRefused(await r.post("/v1/ingest", batch(), `Bearer ${revokedGatewayKey}`), 401, "invalid_api_key");
  });

  test("a session (JWT): 401, the receiver takes machines' credentials only", async () => {
    await expectRefused(await r.post("/v1/ingest", batch(), `Bearer ${vendor.token}`), 401, "unauthorized");
  });

  test("an agent's key or device on the gateway route: 403 gateway_key_required", async () => {
    await expectRefused(await r.post("/v1/ingest", batch(), `Bearer ${agentKey}`), 403, "gateway_key_required");
    const body = batch();
    await expectRefused(await r.post("/v1/ingest", body, await ingestAuthorization(agentDevice, "/v1/ingest", body)), 403, "gateway_key_required");
  });

  test("a gateway's key or device on the SDK route: 403 agent_key_required", async () => {
    await expectRefused(await r.post("/v1/telemetry", packet(), `Bearer ${gatewayKey}`), 403, "agent_key_required");
    const body = packet();
    await expectRefused(await r.post("/v1/telemetry", body, await ingestAuthorization(gatewayDevice, "/v1/telemetry", body)), 403, "agent_key_required");
  });

  test("a gateway key without the write permission: 403", async () => {
    await expectRefused(await r.post("/v1/ingest", batch(), `Bearer ${readOnlyGatewayKey}`), 403, "insufficient_permissions");
  });

  test("every refused request above changed no table", async () => {
    await r.flushed();
    expect(await rowCounts()).toEqual(before);
  });
});

test("controls: each accepted credential gets through", async () => {
  const body = batch();
  expect((await r.post("/v1/ingest", body, await ingestAuthorization(gatewayDevice, "/v1/ingest", body))).status).toBe(202);
  expect((await r.post("/v1/ingest", batch(), `Bearer ${gatewayKey}`)).status).toBe(202);
  const sdk = packet();
  expect((await r.post("/v1/telemetry", sdk, await ingestAuthorization(agentDevice, "/v1/telemetry", sdk))).status).toBe(202);
  expect((await r.post("/v1/telemetry", packet(), `Bearer ${agentKey}`)).status).toBe(202);
  const text = await (await fetch(r.url + "/metrics")).text();
  expect(text).toMatch(/telemetry_requests_rejected_total\{reason="unauthorized"\} \d+/);
  expect(text).toMatch(/telemetry_requests_rejected_total\{reason="forbidden"\} \d+/);
});
