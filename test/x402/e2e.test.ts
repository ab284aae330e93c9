import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createSolanaRpc, type Address } from "@solana/kit";
import { HTTPFacilitatorClient } from "@x402/core/server";
import { decodePaymentResponseHeader, wrapFetchWithPayment, x402Client } from "@x402/fetch";
import { paymentMiddleware, x402ResourceServer } from "@x402/hono";
import { ExactSvmScheme as ExactSvmClient } from "@x402/svm/exact/client";
import { ExactSvmScheme as ExactSvmServer } from "@x402/svm/exact/server";
import { Hono } from "hono";
import { BatchSettlementClientScheme, BatchSettlementServerScheme, USDC_MINTS } from "../../packages/x402-machpay";
import { startTestApp, type TestApp } from "../support/app";
import { ataOf, chainEnv, fundedWallet, type Wallet } from "../support/chain";
import { createUser } from "../support/fixtures";
import { agentRow, expectBalanced, fund, gatewaySetup, unsettledOf } from "../support/ledger";
import { startTestLocalnet, type TestLocalnet } from "../support/localnet";
import { linkedDevice } from "../support/pairing";
import { intentSigner, x402Rows } from "../support/x402";

// End to end with the official libraries, MachPay's /x402 as the facilitator: a resource server
// whose payment logic is @x402/hono's middleware (x402ResourceServer over HTTPFacilitatorClient)
// offers a paid route in both schemes; clients are @x402/fetch over x402Client, one paying exact
// from a Solana wallet funded on the local chain (which answers as devnet), one paying
// batch-settlement with an agent key linked on MachPay. Nothing of MachPay's runs on the client
// but the batch-settlement scheme registration.

const DEVNET = "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1";
const PRICE = 25_000n; // $0.025
const FEE_BPS = 100n;

let ln: TestLocalnet;
let t: TestApp;
let resource: ReturnType<typeof Bun.serve>;
let url: string;
let g: Awaited<ReturnType<typeof gatewaySetup>>;
let payer: Wallet;
let vendorAta: Address;

beforeAll(async () => {
  ln = await startTestLocalnet({ slotMs: 50, genesisHash: "devnet", usdcMint: USDC_MINTS.devnet });
  t = await startTestApp({ ...chainEnv(ln), PLATFORM_FEE_BPS: FEE_BPS.toString(), RATE_LIMIT_LINK_PER_MINUTE: "100000" });
  g = await gatewaySetup(t);
  await fund(t, g.agent.id, 1_000_000n);
  await ln.faucet.mintTo(g.gatewayDevice.address, 1n);
  vendorAta = await ataOf(ln, g.gatewayDevice.address as Address);
  payer = await fundedWallet(ln, 1_000_000n);

  // The vendor's resource server: nobody here wrote its payment logic.
  const auth = { Authorization: `Bearer ${g.gatewayKey}` };
  const facilitator = new HTTPFacilitatorClient({ url: `${t.url}/x402`, createAuthHeaders: async () => ({ verify: auth, settle: auth, supported: auth }) });
  const server = new x402ResourceServer(facilitator)
    .register(DEVNET, new ExactSvmServer())
    .register("machpay:localnet", new BatchSettlementServerScheme({ asset: ln.mint }));
  const app = new Hono();
  app.use(
    paymentMiddleware(
      {
        "GET /report": {
          accepts: [
            { scheme: "exact", network: DEVNET, price: { amount: PRICE.toString(), asset: ln.mint }, payTo: g.gatewayDevice.address },
            { scheme: "batch-settlement", network: "machpay:localnet", price: "$0.025", payTo: g.gatewayDevice.address },
          ],
          description: "Today's report",
          mimeType: "application/json",
        },
      },
      server,
    ),
  );
  app.get("/report", (c) => c.json({ report: "sunny" }));
  resource = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: app.fetch });
  url = `http://127.0.0.1:${resource.port}/report`;
});

afterAll(async () => {
  await resource?.stop(true);
  await t.close();
  await ln.close();
});

/** @x402/fetch over a client that picks `scheme` among what the route accepts; records the payment headers it sends. */
function payingFetch(scheme: "exact" | "batch-settlement", register: (c: x402Client) => void) {
  const client = new x402Client((_, reqs) => reqs.find((r) => r.scheme === scheme) ?? reqs[0]!);
  register(client);
  const sent: string[] = [];
  const recording = async (input: string | URL | Request, init?: RequestInit) => {
    // @x402/fetch hands over Request objects.
    const request = input instanceof Request ? input : new Request(String(input), init);
    const header = request.headers.get("payment-signature");
    if (header) sent.push(header);
    return fetch(request);
  };
  return { pay: wrapFetchWithPayment(recording as typeof fetch, client), sent };
}

const exactClient = () => payingFetch("exact", (c) => c.register("solana:*", new ExactSvmClient(payer.signer, { rpcUrl: ln.url })));
const batchClient = (agent = g.agentDevice) => payingFetch("batch-settlement", (c) => c.register("machpay:*", new BatchSettlementClientScheme(intentSigner(agent))));
const tokenBalance = async (ata: Address) => BigInt((await createSolanaRpc(ln.url).getTokenAccountBalance(ata, { commitment: "confirmed" }).send()).value.amount);
const replay = (header: string) => fetch(url, { headers: { "payment-signature": header } });
/** Why a 402 refused the payment (the PAYMENT-REQUIRED header's error). */
const refusalOf = (res: Response) => JSON.parse(Buffer.from(res.headers.get("payment-required")!, "base64").toString()).error as string;

describe("a resource server protected by @x402/hono, MachPay as its facilitator", () => {
  test("without payment: 402, offering exact on Solana (MachPay's fee payer) and batch-settlement on MachPay", async () => {
    const res = await fetch(url);
    expect(res.status).toBe(402);
    const required = JSON.parse(Buffer.from(res.headers.get("payment-required")!, "base64").toString());
    expect(required.accepts).toEqual([
      expect.objectContaining({ scheme: "exact", network: DEVNET, amount: "25000", asset: ln.mint, payTo: g.gatewayDevice.address, extra: expect.objectContaining({ feePayer: ln.hotWallet.address }) }),
      expect.objectContaining({ scheme: "batch-settlement", network: "machpay:localnet", amount: "25000", asset: ln.mint, payTo: g.gatewayDevice.address }),
    ]);
  });

  test("exact: 402, then paid and served; the vendor's token account gains exactly the price; a replay of the header is refused", async () => {
    const before = await tokenBalance(vendorAta);
    const { pay, sent } = exactClient();
    const res = await pay(url);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ report: "sunny" });
    const settled = decodePaymentResponseHeader(res.headers.get("payment-response")!);
    expect(settled).toMatchObject({ success: true, network: DEVNET, payer: payer.signer.address });
    expect((await tokenBalance(vendorAta)) - before).toBe(PRICE);
    const rows = (await x402Rows(t, g.vendor.id)).filter((r) => r.source === "x402_exact");
    expect(rows).toEqual([expect.objectContaining({ tx_signature: settled.transaction, amount_atomic: PRICE, from_agent_id: null })]);

    expect(sent).toHaveLength(1);
    const replayed = await replay(sent[0]!);
    expect(replayed.status).toBe(402);
    expect(refusalOf(replayed)).toContain("duplicate_settlement");
    expect((await tokenBalance(vendorAta)) - before).toBe(PRICE);
    expect((await x402Rows(t, g.vendor.id)).filter((r) => r.source === "x402_exact")).toHaveLength(1);
  });

  test("batch-settlement: 402, then paid and served; the agent debited and the vendor credited exactly once; a replay of the header is refused", async () => {
    const agentBefore = (await agentRow(t, g.agent.id)).balance;
    const vendorBefore = await unsettledOf(t, g.vendor.id);
    const { pay, sent } = batchClient();
    const res = await pay(url);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ report: "sunny" });
    const settled = decodePaymentResponseHeader(res.headers.get("payment-response")!);
    expect(settled).toMatchObject({ success: true, network: "machpay:localnet", payer: g.agentDevice.address, transaction: expect.stringMatching(/^tx_/) });
    const fee = (PRICE * FEE_BPS) / 10_000n;
    expect((await agentRow(t, g.agent.id)).balance).toBe(agentBefore - PRICE);
    expect(await unsettledOf(t, g.vendor.id)).toBe(vendorBefore + PRICE - fee);
    const rows = (await x402Rows(t, g.vendor.id)).filter((r) => r.source === "x402");
    expect(rows).toEqual([expect.objectContaining({ id: settled.transaction, from_agent_id: g.agent.id, amount_atomic: PRICE, fee_atomic: fee })]);

    expect(sent).toHaveLength(1);
    const replayed = await replay(sent[0]!);
    expect(replayed.status).toBe(402);
    expect(refusalOf(replayed)).toContain("invalid_machpay_nonce_already_used");
    expect((await agentRow(t, g.agent.id)).balance).toBe(agentBefore - PRICE);
    expect(await unsettledOf(t, g.vendor.id)).toBe(vendorBefore + PRICE - fee);
    expect((await x402Rows(t, g.vendor.id)).filter((r) => r.source === "x402")).toHaveLength(1);
    await expectBalanced(t);
  });

  test("an agent without funds gets 402 again, and nothing is paid", async () => {
    const broke = await createUser(t, { profile: "agent" });
    const key = await linkedDevice(t, broke.token, "agent");
    const unsettled = await unsettledOf(t, g.vendor.id);
    const { pay, sent } = batchClient(key);
    const res = await pay(url);
    expect(res.status).toBe(402);
    expect(refusalOf(res)).toContain("insufficient_funds");
    expect(sent).toHaveLength(1);
    expect((await agentRow(t, broke.id)).balance).toBe(0n);
    expect(await unsettledOf(t, g.vendor.id)).toBe(unsettled);
    await expectBalanced(t);
  });
});
