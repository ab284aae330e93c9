import { TEST_ADMIN_TOKEN, TEST_RECON_SECRET, type TestApp } from "../app";
import { createUser, type TestUser } from "../fixtures";
import { json } from "../http";
import { createKey, fund, signIntent } from "../ledger";
import { deviceHeader, linkedDevice, startPairing } from "../pairing";
import { newWallet, type TestWallet } from "../solana-keys";
import type { Credentials } from "./request";
import { batchPayload, batchRequirements } from "../x402";

// The fuzzer's cast, minted through the real app and database: users of each role with access
// tokens, API keys, linked device keys, money where a handler needs some, and the resources the
// plausible requests name (a service, a pending pairing code), so that handlers run for real.

export interface FuzzCast {
  credentials: Credentials;
  agent: TestUser;
  vendor: TestUser;
  agentDevice: TestWallet;
  vendorDevice: TestWallet;
  /** A vendor service (never deleted by the fuzzer). */
  serviceId: string;
  /** A pending pairing request: its user code and device code. */
  pairing: { code: string; deviceCode: string };
  /** A pending payout of the vendor, for recon events. */
  payoutId: string;
  /** A refresh token the fuzzer may spend (refresh and logout). */
  spareRefreshToken: string;
  /** A fresh Google ID token the local JWKS server's key signs, for GOOGLE_CLIENT_ID, with these claims changed. */
  googleIdToken(claims?: Record<string, unknown>): Promise<string>;
  /** A fresh wallet's signed Sign-In-With-Solana login: over the challenge's message, or over its bare nonce. */
  walletLogin(over: "message" | "nonce"): Promise<{ body: { address: string; signature: string; message?: string; nonce?: string }; wallet: TestWallet }>;
  /** A signed gateway intent of `amount` from the agent's device to the vendor's (a fresh nonce unless given). */
  intent(amount: bigint, options?: { nonce?: bigint; deadline?: bigint }): Promise<{ intent: string; signature: string }>;
  /** An x402 facilitator request (POST /x402/verify, /x402/settle): a batch-settlement payment of `amount` as such an intent. */
  x402(amount: bigint): Promise<{ x402Version: number; paymentPayload: Record<string, unknown>; paymentRequirements: Record<string, unknown> }>;
}

async function postJson(t: TestApp, path: string, token: string, body: unknown) {
  const res = await fetch(t.url + path, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
  const payload = await json(res);
  if (res.status >= 300) throw new Error(`fuzz cast: POST ${path}: ${res.status} ${JSON.stringify(payload)}`);
  return payload;
}

export const FUZZ_SERVICE_BODY = {
  name: "Fuzz Weather",
  description: "Current weather for any city",
  gateway_url: "https://gateway.fuzz.example/v1",
  price_atomic: "1000",
  service_type: "weather",
  mcp_tool_def: {
    tools: [{ name: "get_weather", description: "Weather at a city", inputSchema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } }],
  },
};

export async function mintCast(t: TestApp, googleIdToken: FuzzCast["googleIdToken"]): Promise<FuzzCast> {
  const agent = await createUser(t, { profile: "agent" });
  const settingsAgent = await createUser(t, { profile: "agent" });
  const vendor = await createUser(t, { profile: "vendor" });
  const observer = await createUser(t);
  const spare = await createUser(t);
  await fund(t, agent.id, 1_000_000_000_000n);
  await fund(t, settingsAgent.id, 1_000_000_000n);
  const agentKey = await createKey(t, agent.token, "agent");
  const gatewayKey = await createKey(t, vendor.token, "gateway");
  const agentDevice = await linkedDevice(t, agent.token, "agent");
  const vendorDevice = await linkedDevice(t, vendor.token, "vendor");
  const pending = await startPairing(t, "agent");
  await postJson(t, "/v1/vendor/endpoints", vendor.token, { id: "fuzz-service", ...FUZZ_SERVICE_BODY });
  // Earnings, so that payouts and withdrawals reach the ledger.
  await postJson(t, "/v1/agent/pay", agent.token, { to: vendor.id.toString(), amount_atomic: "1000000000" });
  const payout = await postJson(t, "/v1/vendor/payout", vendor.token, { amount_atomic: "1000", reference: "fuzz-cast-payout" });

  const device = (wallet: TestWallet) => (method: string, pathWithQuery: string) => deviceHeader(t, wallet, method, pathWithQuery);
  return {
    credentials: {
      bearer: {
        agentJwt: agent.token,
        agentKey,
        settingsAgentJwt: settingsAgent.token,
        vendorJwt: vendor.token,
        gatewayKey,
        observerJwt: observer.token,
        admin: TEST_ADMIN_TOKEN,
      },
      device: { agentDevice: device(agentDevice), vendorDevice: device(vendorDevice) },
      reconSecret: TEST_RECON_SECRET,
    },
    agent,
    vendor,
    agentDevice,
    vendorDevice,
    serviceId: "fuzz-service",
    pairing: { code: pending.body.code, deviceCode: pending.body.device_code },
    payoutId: payout.id,
    spareRefreshToken: spare.session.refresh_token,
    googleIdToken,
    async walletLogin(over) {
      const wallet = await newWallet();
      const res = await fetch(t.url + "/v1/auth/challenge", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ address: wallet.address }) });
      const challenge = (await json(res)) as { nonce: string; message: string };
      const signed = over === "message" ? challenge.message : challenge.nonce;
      return { wallet, body: { address: wallet.address, signature: await wallet.signBase58(signed), ...(over === "message" ? { message: signed } : { nonce: signed }) } };
    },
    intent: (amount, options = {}) =>
      signIntent(t, agentDevice, vendorDevice.address, amount, options.nonce ?? BigInt(Date.now()) * 1000n + BigInt(Math.floor(Math.random() * 1000)), options.deadline === undefined ? {} : { deadline: options.deadline }),
    async x402(amount) {
      const requirements = batchRequirements(t, vendorDevice.address, amount);
      const payload = await batchPayload(agentDevice, requirements, { now: () => t.deps.clock.now().getTime() });
      return { x402Version: 2, paymentPayload: payload as unknown as Record<string, unknown>, paymentRequirements: requirements };
    },
  };
}
