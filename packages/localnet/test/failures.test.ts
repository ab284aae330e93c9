import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { address, generateKeyPairSigner, getBase64Encoder, isSolanaError, SOLANA_ERROR__JSON_RPC__SERVER_ERROR_SEND_TRANSACTION_PREFLIGHT_FAILURE } from "@solana/kit";
import { getTransferSolInstruction } from "@solana-program/system";
import { randomBlockhash, type Wallet, openChain } from "./support";

// Transactions a node refuses at preflight, or lands failed, with its error codes and messages.

const { ln, rpc, raw, fundedWallet, signed, transferIxs } = await openChain();
afterAll(() => ln.close());

describe("failures", () => {
  let sender: Wallet;
  beforeAll(async () => {
    sender = await fundedWallet(1_000_000n);
  });

  test("a transfer above the balance is refused at preflight with -32002 and the simulation as data", async () => {
    const tx = await signed(sender.signer, transferIxs(sender, ln.vaultTokenAccount, 5_000_000n));
    const body = await raw("sendTransaction", [tx.wire, { encoding: "base64" }]);
    expect(body.error.code).toBe(-32002);
    expect(body.error.message).toBe("Transaction simulation failed: Error processing Instruction 0: custom program error: 0x1");
    expect(body.error.data.err).toEqual({ InstructionError: [0, { Custom: 1 }] });
    expect(body.error.data.logs.some((l: string) => l.includes("insufficient funds"))).toBe(true);
    expect(body.error.data).toMatchObject({ accounts: null, innerInstructions: null, replacementBlockhash: null, unitsConsumed: expect.any(Number) });
    // kit recognises the preflight failure and its transaction error.
    try {
      await rpc.sendTransaction(tx.wire as any, { encoding: "base64" }).send();
      throw new Error("expected a preflight failure");
    } catch (err) {
      expect(isSolanaError(err, SOLANA_ERROR__JSON_RPC__SERVER_ERROR_SEND_TRANSACTION_PREFLIGHT_FAILURE)).toBe(true);
    }
    // Nothing landed.
    expect((await raw("getSignatureStatuses", [[tx.signature], { searchTransactionHistory: true }])).result.value).toEqual([null]);
  });

  test("sent without preflight, it lands failed: listed with err, meta.err set, fee charged, tokens unmoved", async () => {
    const tx = await signed(sender.signer, transferIxs(sender, ln.vaultTokenAccount, 5_000_000n, "too much"));
    expect((await raw("sendTransaction", [tx.wire, { encoding: "base64", skipPreflight: true }])).result).toBe(tx.signature);
    ln.advance(2);
    const listed = (await raw("getSignaturesForAddress", [ln.vaultTokenAccount, { limit: 1 }])).result[0];
    expect(listed).toMatchObject({ signature: tx.signature, err: { InstructionError: [0, { Custom: 1 }] }, memo: "[8] too much" });
    const got = (await raw("getTransaction", [tx.signature, { encoding: "jsonParsed", maxSupportedTransactionVersion: 0 }])).result;
    expect(got.meta.err).toEqual({ InstructionError: [0, { Custom: 1 }] });
    expect(got.meta.status).toEqual({ Err: { InstructionError: [0, { Custom: 1 }] } });
    expect(got.meta.preBalances[0] - got.meta.postBalances[0]).toBe(5000);
    expect(got.meta.postTokenBalances).toEqual(got.meta.preTokenBalances);
    const status = (await raw("getSignatureStatuses", [[tx.signature]])).result.value[0];
    expect(status).toMatchObject({ err: { InstructionError: [0, { Custom: 1 }] }, status: { Err: { InstructionError: [0, { Custom: 1 }] } } });
  });

  test("an unknown or expired blockhash is -32002 Blockhash not found", async () => {
    const unknown = await signed(sender.signer, transferIxs(sender, ln.vaultTokenAccount, 1n), { blockhash: { blockhash: randomBlockhash(), lastValidBlockHeight: 10n ** 12n } });
    const body = await raw("sendTransaction", [unknown.wire, { encoding: "base64" }]);
    expect(body.error).toMatchObject({ code: -32002, message: "Transaction simulation failed: Blockhash not found", data: { err: "BlockhashNotFound" } });

    const old = (await rpc.getLatestBlockhash({ commitment: "processed" }).send()).value;
    const tx = await signed(sender.signer, transferIxs(sender, ln.vaultTokenAccount, 1n), { blockhash: old });
    ln.advance(151);
    expect((await rpc.getBlockHeight({ commitment: "processed" }).send()) > old.lastValidBlockHeight).toBe(true);
    expect((await raw("sendTransaction", [tx.wire, { encoding: "base64" }])).error.data.err).toBe("BlockhashNotFound");
    // With skipPreflight the node still answers the signature; the transaction never lands.
    expect((await raw("sendTransaction", [tx.wire, { encoding: "base64", skipPreflight: true }])).result).toBe(tx.signature);
    expect((await raw("getSignatureStatuses", [[tx.signature], { searchTransactionHistory: true }])).result.value).toEqual([null]);
  });

  test("a fee payer without SOL is -32002 AccountNotFound; a bad signature is -32003; garbage is -32602", async () => {
    const broke = await generateKeyPairSigner();
    const tx = await signed(broke, [getTransferSolInstruction({ source: broke, destination: address(ln.hotWallet.address), amount: 1n })]);
    const body = await raw("sendTransaction", [tx.wire, { encoding: "base64" }]);
    expect(body.error).toMatchObject({
      code: -32002,
      message: "Transaction simulation failed: Attempt to debit an account but found no record of a prior credit.",
      data: { err: "AccountNotFound" },
    });

    const good = await signed(sender.signer, transferIxs(sender, ln.vaultTokenAccount, 1n));
    const bytes = new Uint8Array(getBase64Encoder().encode(good.wire));
    bytes[10]! ^= 0xff;
    const tampered = Buffer.from(bytes).toString("base64");
    expect((await raw("sendTransaction", [tampered, { encoding: "base64" }])).error).toEqual({ code: -32003, message: "Transaction signature verification failure" });

    expect((await raw("sendTransaction", ["AAAA", { encoding: "base64" }])).error.code).toBe(-32602);
    expect((await raw("sendTransaction", [good.wire, { encoding: "hex" }])).error).toEqual({ code: -32602, message: "unsupported encoding: hex. Supported encodings: base58, base64" });
  });
});
