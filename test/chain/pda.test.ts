import { afterAll, beforeAll, expect, test } from "bun:test";
import { Chain, verifyEndpointPda } from "@/chain";
import { fundedWallet, transferUsdc } from "../support/chain";
import { startTestLocalnet, type TestLocalnet } from "../support/localnet";

// The endpoint PDA proof. No MachPay program runs on the local chain, so the checks use the SPL
// Token program as "the program": its accounts are real, owned, and touched by real transactions.
const TOKEN_PROGRAM = "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA";
let ln: TestLocalnet;
let chain: Chain;
beforeAll(async () => {
  ln = await startTestLocalnet();
  chain = new Chain(ln.url);
});
afterAll(() => ln.close());

test("an existing account of the program, touched by a finalized successful transaction, passes", async () => {
  const wallet = await fundedWallet(ln, 2_000_000n);
  const sig = await transferUsdc(ln, wallet, ln.vaultTokenAccount, 1_000_000n);
  expect(await verifyEndpointPda(chain, TOKEN_PROGRAM, { pdaAddress: ln.vaultTokenAccount, txSignature: sig })).toEqual({ ok: false, code: "pda_tx_not_final", message: expect.any(String) });
  ln.advance(2);
  expect(await verifyEndpointPda(chain, TOKEN_PROGRAM, { pdaAddress: ln.vaultTokenAccount, txSignature: sig })).toEqual({ ok: true });
});

test("a missing account, another owner, or a transaction that does not touch it fail with clear codes", async () => {
  const wallet = await fundedWallet(ln, 2_000_000n);
  const sig = await transferUsdc(ln, wallet, ln.vaultTokenAccount, 1_000_000n);
  ln.advance(2);
  const missing = await verifyEndpointPda(chain, TOKEN_PROGRAM, { pdaAddress: "11111111111111111111111111111112", txSignature: sig });
  expect(missing).toMatchObject({ ok: false, code: "pda_not_found" });
  const owner = await verifyEndpointPda(chain, "MachPay1111111111111111111111111111111111111", { pdaAddress: ln.vaultTokenAccount, txSignature: sig });
  expect(owner).toMatchObject({ ok: false, code: "pda_wrong_owner" });
  const unrelated = await verifyEndpointPda(chain, TOKEN_PROGRAM, { pdaAddress: ln.hotWallet.tokenAccount, txSignature: sig });
  expect(unrelated).toMatchObject({ ok: false, code: "pda_tx_unrelated" });
});
