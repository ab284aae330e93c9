import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { address, lamports, signature } from "@solana/kit";
import { TOKEN, type Wallet, openChain } from "./support";

// A deposit as a wallet sends it: an SPL transferChecked with a memo, through commitment levels,
// parsed back and listed for the vault.

const { ln, rpc, raw, fundedWallet, signed, transferIxs } = await openChain();
afterAll(() => ln.close());

describe("an SPL transferChecked with a memo, sent through the server", () => {
  const memo = "machpay:usr_7Hq2 ✓";
  const memoBytes = new TextEncoder().encode(memo).length;
  let sender: Wallet;
  let sent: { wire: string; signature: string };

  beforeAll(async () => {
    sender = await fundedWallet(10_000_000n);
    sent = await signed(sender.signer, transferIxs(sender, ln.vaultTokenAccount, 4_250_000n, memo));
  });

  test("is accepted (kit, base64) and progresses processed -> confirmed -> finalized as slots advance", async () => {
    const sig = await rpc.sendTransaction(sent.wire as any, { encoding: "base64" }).send();
    expect(sig).toBe(signature(sent.signature));

    const status = async () => (await rpc.getSignatureStatuses([sig]).send()).value[0];
    const get = (commitment: "confirmed" | "finalized") => rpc.getTransaction(sig, { encoding: "jsonParsed", commitment, maxSupportedTransactionVersion: 0 }).send();
    expect(await status()).toMatchObject({ confirmationStatus: "processed", confirmations: 0n, err: null });
    expect(await get("confirmed")).toBeNull();

    ln.advance(1);
    expect(await status()).toMatchObject({ confirmationStatus: "confirmed", confirmations: 1n });
    expect(await get("confirmed")).not.toBeNull();
    // The backend's "not yet finalized (retryable)" path: finalized reads see nothing yet.
    expect(await get("finalized")).toBeNull();

    ln.advance(1);
    const final = await status();
    expect(final).toMatchObject({ confirmationStatus: "finalized", confirmations: null, status: { Ok: null } });
    expect(await get("finalized")).not.toBeNull();

    const documented = (await raw("getSignatureStatuses", [[sent.signature, "1".repeat(64)], { searchTransactionHistory: true }])).result;
    expect(Object.keys(documented.value[0]).sort()).toEqual(["confirmationStatus", "confirmations", "err", "slot", "status"]);
    expect(documented.value[1]).toBeNull();
  });

  test("getTransaction(jsonParsed) shows the parsed transferChecked, the memo and the token balance deltas", async () => {
    const tx = await rpc.getTransaction(signature(sent.signature), { encoding: "jsonParsed", commitment: "finalized", maxSupportedTransactionVersion: 0 }).send();
    if (!tx || !tx.meta) throw new Error("transaction not found");
    expect(tx.version).toBe(0);
    expect(typeof tx.blockTime).toBe("bigint");
    const [transfer, memoIx] = tx.transaction.message.instructions as any[];
    expect(transfer).toEqual({
      program: "spl-token",
      programId: TOKEN,
      parsed: {
        type: "transferChecked",
        info: {
          source: sender.ata,
          mint: ln.mint,
          destination: ln.vaultTokenAccount,
          authority: sender.signer.address,
          // kit turns integers outside its known numeric paths into bigint.
          tokenAmount: { amount: "4250000", decimals: 6n, uiAmount: 4.25, uiAmountString: "4.25" },
        },
      },
      stackHeight: null,
    });
    expect(memoIx).toMatchObject({ program: "spl-memo", parsed: memo, stackHeight: null });

    const keys = tx.transaction.message.accountKeys as any[];
    expect(keys[0]).toEqual({ pubkey: sender.signer.address, signer: true, writable: true, source: "transaction" });
    expect(keys.find((k) => k.pubkey === TOKEN)).toMatchObject({ signer: false, writable: false });
    const delta = (owner: string) => {
      const index = keys.findIndex((k) => k.pubkey === owner);
      const amount = (list: readonly any[] | null | undefined) => BigInt(list?.find((b) => b.accountIndex === index && b.mint === ln.mint)?.uiTokenAmount.amount ?? "0");
      return amount(tx.meta!.postTokenBalances) - amount(tx.meta!.preTokenBalances);
    };
    expect(delta(ln.vaultTokenAccount)).toBe(4_250_000n);
    expect(delta(sender.ata)).toBe(-4_250_000n);
    const vaultEntry = (tx.meta.postTokenBalances as any[]).find((b) => keys[Number(b.accountIndex)].pubkey === ln.vaultTokenAccount);
    expect(vaultEntry).toMatchObject({ mint: ln.mint, owner: ln.vaultOwner, programId: TOKEN });
    expect(tx.meta.fee).toBe(lamports(5000n));
    expect(tx.meta.preBalances[0]! - tx.meta.postBalances[0]!).toBe(5000n);
    expect(tx.meta.logMessages?.length).toBeGreaterThan(0);
  });

  test("the raw json, jsonParsed and base64 encodings have the documented keys", async () => {
    const parsed = (await raw("getTransaction", [sent.signature, { encoding: "jsonParsed", maxSupportedTransactionVersion: 0 }])).result;
    expect(Object.keys(parsed).sort()).toEqual(["blockTime", "meta", "slot", "transaction", "version"]);
    expect(Object.keys(parsed.meta).sort()).toEqual([
      "computeUnitsConsumed", "err", "fee", "innerInstructions", "logMessages", "postBalances", "postTokenBalances", "preBalances", "preTokenBalances", "rewards", "status",
    ]);
    expect(parsed.meta.preTokenBalances[0].uiTokenAmount).toEqual(expect.objectContaining({ amount: expect.any(String), decimals: 6, uiAmountString: expect.any(String) }));

    const json = (await raw("getTransaction", [sent.signature, { encoding: "json", maxSupportedTransactionVersion: 0 }])).result;
    expect(Object.keys(json.transaction.message).sort()).toEqual(["accountKeys", "addressTableLookups", "header", "instructions", "recentBlockhash"]);
    expect(json.transaction.message.header).toEqual({ numRequiredSignatures: 1, numReadonlySignedAccounts: 0, numReadonlyUnsignedAccounts: 3 });
    expect(json.transaction.message.instructions[0]).toEqual({ programIdIndex: expect.any(Number), accounts: expect.any(Array), data: expect.stringMatching(/^[1-9A-HJ-NP-Za-km-z]+$/), stackHeight: null });
    expect(json.meta.loadedAddresses).toEqual({ writable: [], readonly: [] });
    expect(json.transaction.signatures).toEqual([sent.signature]);

    const b64 = (await raw("getTransaction", [sent.signature, { encoding: "base64", maxSupportedTransactionVersion: 0 }])).result;
    expect(b64.transaction).toEqual([sent.wire, "base64"]);
  });

  test("getSignaturesForAddress on the vault token account lists it newest first with the memo", async () => {
    const list = (await raw("getSignaturesForAddress", [ln.vaultTokenAccount, { limit: 5 }])).result;
    expect(list[0]).toEqual({
      signature: sent.signature,
      slot: expect.any(Number),
      err: null,
      memo: `[${memoBytes}] ${memo}`,
      blockTime: expect.any(Number),
      confirmationStatus: "finalized",
    });
    // The vault's creation at genesis is the oldest entry.
    const all = await rpc.getSignaturesForAddress(address(ln.vaultTokenAccount)).send();
    expect(all[0]?.signature).toBe(signature(sent.signature));
    expect(all.at(-1)?.memo).toBeNull();
    expect(all.map((s) => s.slot)).toEqual([...all.map((s) => s.slot)].sort((a, b) => (a > b ? -1 : a < b ? 1 : 0)));
    // The owner's address is not among the keys of a deposit (only in the vault's creation).
    const owner = await rpc.getSignaturesForAddress(address(ln.vaultOwner)).send();
    expect(owner.map((s) => s.signature)).toEqual([all.at(-1)!.signature]);
  });

  test("the same transfer signed again in a later slot has a new blockhash, so a new signature, and lands", async () => {
    const first = await signed(sender.signer, transferIxs(sender, ln.vaultTokenAccount, 1_000n), { blockhash: (await rpc.getLatestBlockhash({ commitment: "processed" }).send()).value });
    await rpc.sendTransaction(first.wire as any, { encoding: "base64" }).send();
    const second = await signed(sender.signer, transferIxs(sender, ln.vaultTokenAccount, 1_000n), { blockhash: (await rpc.getLatestBlockhash({ commitment: "processed" }).send()).value });
    expect(second.signature).not.toBe(first.signature);
    await rpc.sendTransaction(second.wire as any, { encoding: "base64" }).send();
    const statuses = (await raw("getSignatureStatuses", [[first.signature, second.signature]])).result.value;
    expect(statuses.map((s: any) => s?.err)).toEqual([null, null]);
    ln.advance(2);
  });

  test("resending the same transaction is refused as already processed", async () => {
    const again = await raw("sendTransaction", [sent.wire, { encoding: "base64" }]);
    expect(again.error.code).toBe(-32002);
    expect(again.error.message).toBe("Transaction simulation failed: This transaction has already been processed");
  });
});
