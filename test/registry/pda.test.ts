import { afterAll, beforeAll, expect, test } from "bun:test";
import { startTestApp, type TestApp } from "../support/app";
import { chainEnv, fundedWallet, transferUsdc } from "../support/chain";
import { createUser, type TestUser } from "../support/fixtures";
import { startTestLocalnet, type TestLocalnet } from "../support/localnet";
import { call, endpointBody } from "./helpers";

// Registration with an on-chain proof, checked through the chain module against the project's
// local Solana RPC (LiteSVM). No MachPay program runs there, so the SPL Token program stands in
// for MACHPAY_PROGRAM_ID and the vault token account for the endpoint PDA (as test/chain/pda.test.ts).

const TOKEN_PROGRAM = "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA";
let ln: TestLocalnet;
let t: TestApp;
let vendor: TestUser;
beforeAll(async () => {
  ln = await startTestLocalnet();
  t = await startTestApp({ ...chainEnv(ln), MACHPAY_PROGRAM_ID: TOKEN_PROGRAM });
  vendor = await createUser(t, { profile: "vendor" });
});
afterAll(async () => {
  await t.close();
  await ln.close();
});

const register = (body: Record<string, unknown>) => call(t, "POST", "/v1/vendor/endpoints", vendor.token, endpointBody(body));
const stored = async (id: string) => [...(await t.sql<{ pda_address: string | null }[]>`SELECT pda_address FROM services WHERE id = ${id}`)];

test("a finalized proof is accepted and recorded; before finality it is refused", async () => {
  const wallet = await fundedWallet(ln, 2_000_000n);
  const sig = await transferUsdc(ln, wallet, ln.vaultTokenAccount, 1_000_000n);
  const early = await register({ id: "pda-live", tx_signature: sig, pda_address: ln.vaultTokenAccount });
  expect({ status: early.status, code: early.body.error?.code }).toEqual({ status: 400, code: "pda_tx_not_final" });
  expect(await stored("pda-live")).toEqual([]);
  ln.advance(2);
  const r = await register({ id: "pda-live", tx_signature: sig, pda_address: ln.vaultTokenAccount });
  expect(r.status).toBe(201);
  expect(r.body).toMatchObject({ pda_address: ln.vaultTokenAccount, tx_signature: sig });
});

test("a PDA that does not exist, or a transaction that does not touch it: 400 with the chain's code", async () => {
  const wallet = await fundedWallet(ln, 2_000_000n);
  const sig = await transferUsdc(ln, wallet, ln.vaultTokenAccount, 1_000_000n);
  ln.advance(2);
  const missing = await register({ id: "pda-missing", tx_signature: sig, pda_address: "11111111111111111111111111111112" });
  expect({ status: missing.status, code: missing.body.error?.code }).toEqual({ status: 400, code: "pda_not_found" });
  const unrelated = await register({ id: "pda-unrelated", tx_signature: sig, pda_address: ln.hotWallet.tokenAccount });
  expect({ status: unrelated.status, code: unrelated.body.error?.code }).toEqual({ status: 400, code: "pda_tx_unrelated" });
  expect([...(await stored("pda-missing")), ...(await stored("pda-unrelated"))]).toEqual([]);
});

test("an unreachable RPC is a 503 chain_unavailable, not a 500", async () => {
  const wallet = await fundedWallet(ln, 2_000_000n);
  const sig = await transferUsdc(ln, wallet, ln.vaultTokenAccount, 1_000_000n);
  const t2 = await startTestApp({ SOLANA_RPC: "http://127.0.0.1:9/", MACHPAY_PROGRAM_ID: TOKEN_PROGRAM }, { db: t.db });
  try {
    // t2 signs its own tokens: a vendor of its own.
    const v2 = await createUser(t2, { profile: "vendor" });
    const r = await call(t2, "POST", "/v1/vendor/endpoints", v2.token, endpointBody({ id: "pda-down", tx_signature: sig, pda_address: ln.vaultTokenAccount }));
    expect({ status: r.status, code: r.body.error?.code }).toEqual({ status: 503, code: expect.stringMatching(/^chain_/) });
    expect(await stored("pda-down")).toEqual([]);
  } finally {
    await t2.close();
  }
});
