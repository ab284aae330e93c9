import { newWallet, toBase58 } from "../solana-keys";
import type { FuzzCast } from "./cast";
import { FUZZ_SERVICE_BODY } from "./cast";
import type { AuthKind, Resign } from "./request";
import type { Json } from "./sample";
import type { Operation } from "./spec";

// Where a value built from the schema alone would not get past validation or would not reach the
// interesting part of a handler: real ids, real signatures, fields that exclude each other. Only
// these fields are given; the rest comes from the schema. DROP removes a field the schema built.

export const DROP = Symbol("drop");

export interface BaseOverride {
  body?: Record<string, Json | typeof DROP>;
  params?: Record<string, string | typeof DROP>;
  /** Signs the body again after the mutations, as its holder of the key would (request.ts). */
  resign?: Resign;
}

/**
 * A re-signer for bodies carrying a signature of their own fields: the mutated fields are signed,
 * unless the mutation replaced the signature itself (then that is what is being tried).
 */
function resignWith(original: string, sign: (body: Record<string, Json>) => Promise<string | undefined>): Resign {
  return async (body) => {
    if (body === null || typeof body !== "object" || Array.isArray(body) || body.signature !== original) return body;
    const signature = await sign(body);
    return signature === undefined ? body : { ...body, signature };
  };
}

const SIGNATURE = "5VERv8NMvzbJMEkV8xnrLkEaWRtSz9CosKDYjCJjBRnbJLgp8uirBgmQpjKhoR4tjF3ZpRzrFmBV6UjKdiSZkQUW";
const WALLET = "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin";
const PUBLIC_WEBHOOK = "https://93.184.216.34/machpay/webhooks";
const GOOGLE_CLAIMS: Record<string, unknown>[] = [
  { name: "Ann\u0000" },
  { name: "\ud800" },
  { name: "n".repeat(3000) },
  { name: 42 },
  { email: `ann\u0000${Date.now()}@gmail.test` },
  { email: `${"a".repeat(300)}@gmail.test` },
  { email: "ünï@exämple.test" },
  { email: 7 },
  { email_verified: "true" },
  { sub: "9".repeat(300) },
  { sub: "\u0000" },
  { sub: 123 },
  { iat: 1e308, exp: 1e308 },
  { exp: -1 },
];

const U64_MAX = 2n ** 64n - 1n;
const INT8_OVER = 2n ** 63n;
const I64_MAX = 2n ** 63n - 1n;
let counter = 0;
const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${(counter++).toString(36)}`;

type BaseFn = (cast: FuzzCast) => BaseOverride | Promise<BaseOverride>;

/** A gateway payment of only an intent and its signature, with these fields in the signed bytes. */
const bareIntent =
  (amount: bigint, fields: { amount?: bigint; nonce?: bigint; deadline?: bigint }): BaseFn =>
  async (c) => ({ body: { ...(await c.intent(fields.amount ?? amount, fields)), service_id: DROP, reference: DROP, region: DROP } });

const ENDPOINT_PLAIN = { min_price: DROP, gateway_pubkey: DROP, token_mint: DROP, tx_signature: DROP, pda_address: DROP } as const;

/** One or more bases per operation: a union body, or fields that exclude each other, get one each. */
const BASES: Record<string, BaseFn[]> = {
  // A new address each time: challenges are limited per address.
  createChallenge: [() => ({ body: { address: toBase58(crypto.getRandomValues(new Uint8Array(32))) } })],
  loginWithWallet: (["message", "nonce"] as const).map((over) => async (c: FuzzCast): Promise<BaseOverride> => {
    const { body, wallet } = await c.walletLogin(over);
    const other = over === "message" ? "nonce" : "message";
    // A wallet signs whatever it is given: the mutated message is signed too, so it gets parsed.
    return { body: { [other]: DROP, ...body }, resign: resignWith(body.signature, async (b) => (typeof b[over] === "string" ? wallet.signBase58(b[over]) : undefined)) };
  }),
  sendEmailOtp: [() => ({ body: { email: `${unique("fuzz")}@example.com` } })],
  verifyEmailOtp: [() => ({ body: { email: "fuzz@example.com", code: "123456" } })],
  loginWithGoogle: [
    async (c) => ({ body: { id_token: await c.googleIdToken() } }),
    // Claims no schema sees, signed by the (local) Google key: what Google or a Google Workspace
    // admin could put in a name or address.
    ...GOOGLE_CLAIMS.map((claims) => async (c: FuzzCast): Promise<BaseOverride> => ({ body: { id_token: await c.googleIdToken(claims) } })),
  ],
  refreshSession: [(c) => ({ body: { refresh_token: c.spareRefreshToken } })],
  logout: [(c) => ({ body: { refresh_token: c.spareRefreshToken, all: false } })],
  createAgentKey: [() => ({ body: { name: "fuzz key", permissions: ["read"] } })],
  createGatewayKey: [() => ({ body: { name: "fuzz key", permissions: ["read"] } })],
  revokeAgentKey: [() => ({ params: { id: "999999" } })],
  revokeGatewayKey: [() => ({ params: { id: "999999" } })],
  createProfile: [
    () => ({ body: { type: "agent", name: "Fuzz Agent" } }),
    () => ({ body: { type: "vendor", name: "Fuzz Vendor", service_type: "weather", withdrawal_address: WALLET, base_price_atomic: "5000" } }),
  ],
  initLink: [
    async () => {
      const device = await newWallet();
      const timestamp = Math.floor(Date.now() / 1000);
      const signature = await device.signBase58(`machpay-link-init:agent:${device.address}:${timestamp}`);
      // The device signs its mutated kind and timestamp too, so they reach the handler's checks.
      const resign = resignWith(signature, (b) => device.signBase58(`machpay-link-init:${String(b.kind)}:${String(b.pubkey)}:${String(b.timestamp)}`));
      return { body: { pubkey: device.address, kind: "agent", timestamp, signature }, resign };
    },
  ],
  approveLink: [(c) => ({ body: { code: c.pairing.code } })],
  getLinkStatus: [(c) => ({ params: { device_code: c.pairing.deviceCode } })],
  getLinkRequest: [(c) => ({ params: { code: c.pairing.code } })],
  getGatewayAgent: [(c) => ({ params: { pubkey: c.agentDevice.address } })],
  pay: [(c) => ({ body: { to: c.vendor.id.toString(), amount_atomic: "1", reference: unique("pay") } }), (c) => ({ body: { to: c.serviceId, amount_atomic: "1000", reference: DROP } })],
  depositBond: [() => ({ body: { amount_atomic: "10000000" } })],
  withdrawBond: [() => ({ body: { amount_atomic: "1" } })],
  setAgentLimits: [
    () => ({ body: { per_payment_max_atomic: null, daily_max_atomic: null, allowed_vendor_ids: null } }),
    (c) => ({ body: { per_payment_max_atomic: "1000000", daily_max_atomic: "100000000", allowed_vendor_ids: [c.vendor.id.toString()] } }),
  ],
  setAgentSettings: [() => ({ body: { settlement_mode: "ledger", low_balance_threshold_atomic: "0" } })],
  submitGatewayPayment: [
    async (c) => ({ body: { ...(await c.intent(1n)), service_id: c.serviceId, reference: unique("gw"), region: "eu-west" } }),
    // Numbers past every bound inside the signed bytes, where no schema sees them.
    ...[U64_MAX, INT8_OVER].map((amount) => bareIntent(1n, { amount })),
    ...[U64_MAX, INT8_OVER, 0n].map((nonce) => bareIntent(1n, { nonce })),
    ...[I64_MAX, -1n, 0n].map((deadline) => bareIntent(1n, { deadline })),
  ],
  submitGatewayPaymentBatch: [
    async (c) => ({
      body: {
        payments: [
          { ...(await c.intent(1n)), service_id: c.serviceId, reference: unique("gwb") },
          await c.intent(U64_MAX),
          await c.intent(1n, { deadline: -1n }),
        ],
      },
    }),
  ],
  // x402: a batch-settlement payment the cast's agent signed for the cast's vendor (its gateway key calls).
  verifyX402Payment: [async (c) => ({ body: (await c.x402(1n)) as unknown as Record<string, Json> })],
  settleX402Payment: [async (c) => ({ body: (await c.x402(1n)) as unknown as Record<string, Json> })],
  requestPayout: [
    () => ({ body: { amount: DROP, amount_atomic: "1", destinationWallet: WALLET, reference: unique("payout") } }),
    () => ({ body: { amount: "0.000001", amount_atomic: DROP, destinationWallet: DROP, reference: unique("payout") } }),
  ],
  requestWithdrawal: [
    () => ({ body: { amount: DROP, amount_atomic: "1", destinationWallet: WALLET, reference: unique("withdraw") } }),
    () => ({ body: { amount: 0.000001, amount_atomic: DROP, destinationWallet: DROP, reference: unique("withdraw") } }),
  ],
  postReconEvent: [
    (c) => ({ body: { id: unique("evt"), type: "settlement.confirmed", intent_id: DROP, payout_id: c.payoutId, tx_signature: SIGNATURE, vendor_id: DROP, amount: DROP, reason: DROP } }),
    (c) => ({ body: { id: unique("evt"), type: "settlement.failed", intent_id: DROP, payout_id: c.payoutId, tx_signature: DROP, vendor_id: DROP, amount: DROP, reason: "fuzz" } }),
    (c) => ({ body: { id: unique("evt"), type: "settlement.failed", payout_id: DROP, tx_signature: DROP, vendor_id: c.vendor.id.toString(), amount: "1", reason: "fuzz" } }),
  ],
  claimDeposit: [() => ({ body: { txHash: SIGNATURE } })],
  registerEndpoint: [
    () => ({ body: { ...FUZZ_SERVICE_BODY, id: unique("fuzz"), ...ENDPOINT_PLAIN } }),
    (c) => ({ body: { ...FUZZ_SERVICE_BODY, id: unique("fuzz"), price_atomic: DROP, min_price: 5000, gateway_pubkey: c.vendorDevice.address, token_mint: WALLET, tx_signature: SIGNATURE, pda_address: WALLET } }),
  ],
  updateEndpoint: [(c) => ({ params: { id: c.serviceId }, body: { ...FUZZ_SERVICE_BODY, ...ENDPOINT_PLAIN, is_active: true } })],
  getEndpoint: [(c) => ({ params: { id: c.serviceId } })],
  deleteEndpoint: [() => ({ params: { id: "fuzz-not-there" } })],
  getService: [(c) => ({ params: { id: c.serviceId } })],
  listServices: [() => ({ params: { cursor: DROP } })],
  createWebhook: [() => ({ body: { url: PUBLIC_WEBHOOK, events: ["settlement.failed"] } })],
  // MCP: a tool call that reads, one that pays (under a fresh key), and a resource read; the
  // mutations then break the JSON-RPC envelope, the params and the tool arguments.
  mcp: [
    () => ({ body: { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "search_services", arguments: { query: "fuzz weather", limit: 3 } }, result: DROP, error: DROP } }),
    (c) => ({
      body: { jsonrpc: "2.0", id: "pay", method: "tools/call", params: { name: "pay", arguments: { to: c.serviceId, amount_atomic: "1000", idempotency_key: unique("mcp") } }, result: DROP, error: DROP },
    }),
    (c) => ({ body: { jsonrpc: "2.0", id: 3, method: "resources/read", params: { uri: `machpay://services/${c.serviceId}` }, result: DROP, error: DROP } }),
  ],
  deleteWebhook: [() => ({ params: { id: "999999" } })],
  "GET /console/link": [() => ({ params: { code: "BCDF-GHJK" } })],
};

/** How many bases an operation has (at least one: the schema's own). */
export const variantsOf = (op: Operation) => BASES[op.id]?.length ?? 1;

export async function baseOverride(op: Operation, cast: FuzzCast, variant: number): Promise<BaseOverride> {
  return (await BASES[op.id]?.[variant]?.(cast)) ?? {};
}

/** The credentials a real caller of this operation would send (the fuzzer picks among them). */
export function rightCredentials(op: Operation): AuthKind[] {
  const p = op.path;
  const read = op.method === "GET";
  if (p.startsWith("/v1/admin/")) return ["admin"];
  if (p.startsWith("/v1/internal/recon")) return ["recon"];
  if (p.startsWith("/v1/gateway/")) return ["gatewayKey"];
  if (p === "/x402/verify" || p === "/x402/settle") return ["gatewayKey"];
  // Discovery needs none; the account tools take an agent's token, key or device signature.
  if (p === "/mcp") return ["none", "agentKey", "agentJwt", "agentDevice"];
  if (p.startsWith("/v1/agent/keys")) return ["agentJwt"];
  if (p.startsWith("/v1/vendor/keys")) return ["vendorJwt"];
  if (p === "/v1/agent/settings" || p === "/v1/agent/limits") return ["settingsAgentJwt"];
  if (p.startsWith("/v1/agent/")) return read ? ["agentJwt", "agentKey", "agentDevice"] : ["agentJwt", "agentKey"];
  if (p.startsWith("/v1/vendor/")) return read ? ["vendorJwt", "gatewayKey", "vendorDevice"] : ["vendorJwt", "gatewayKey"];
  if (p === "/v1/link/device") return ["agentDevice", "vendorDevice"];
  if (p === "/v1/events" || p === "/events") return ["agentJwt", "accessTokenQuery"];
  if (p === "/v1/profile" && !read) return ["observerJwt"];
  if (op.bearer) return ["agentJwt", "vendorJwt"];
  return ["none"];
}
