import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { getBase58Decoder, getBase64Encoder } from "@solana/kit";
import { BASE58, randomBlockhash, unknownSignature, type Wallet, openChain } from "./support";

// Transaction versions, send encodings, history paging and simulation.

const { ln, rpc, raw, fundedWallet, signed, transferIxs } = await openChain();
afterAll(() => ln.close());

describe("versions, encodings and history queries", () => {
  let sender: Wallet;
  beforeAll(async () => {
    sender = await fundedWallet(50_000_000n);
  });

  test("a v0 transaction needs maxSupportedTransactionVersion (-32015); a legacy one reports version only when asked", async () => {
    const v0 = await signed(sender.signer, transferIxs(sender, ln.hotWallet.tokenAccount, 1_000n));
    const legacy = await signed(sender.signer, transferIxs(sender, ln.hotWallet.tokenAccount, 2_000n), { version: "legacy" });
    // The default encoding of sendTransaction is base58.
    const asBase58 = getBase58Decoder().decode(getBase64Encoder().encode(legacy.wire));
    expect((await raw("sendTransaction", [v0.wire, { encoding: "base64" }])).result).toBe(v0.signature);
    expect((await raw("sendTransaction", [asBase58])).result).toBe(legacy.signature);
    ln.advance(2);

    const refused = await raw("getTransaction", [v0.signature, { encoding: "json" }]);
    expect(refused.error.code).toBe(-32015);
    expect(refused.error.message).toContain('"maxSupportedTransactionVersion": 0');
    const plain = (await raw("getTransaction", [legacy.signature, "json"])).result;
    expect("version" in plain).toBe(false);
    expect((await raw("getTransaction", [legacy.signature, { encoding: "json", maxSupportedTransactionVersion: 0 }])).result.version).toBe("legacy");
    expect((await raw("getTransaction", [unknownSignature(), { encoding: "json" }])).result).toBeNull();
    expect((await raw("getTransaction", ["1".repeat(88), { encoding: "json" }])).error).toEqual({ code: -32602, message: "Invalid param: WrongSize" });
  });

  test("getSignaturesForAddress honours limit, before, until and commitment", async () => {
    const sigs: string[] = [];
    for (const amount of [11n, 12n, 13n]) {
      const tx = await signed(sender.signer, transferIxs(sender, ln.hotWallet.tokenAccount, amount));
      await rpc.sendTransaction(tx.wire as any, { encoding: "base64" }).send();
      sigs.push(tx.signature);
    }
    const [a, b, c] = sigs as [string, string, string];
    const list = async (cfg: Record<string, unknown>) => ((await raw("getSignaturesForAddress", [sender.ata, cfg])).result as any[]).map((s) => s.signature);
    // Each landed transaction opens a slot: c is processed, b confirmed, a finalized.
    expect(await list({ limit: 1 })).toEqual([a]);
    expect(await list({ limit: 2, commitment: "confirmed" })).toEqual([b, a]);
    ln.advance(1);
    expect(await list({ limit: 2, commitment: "confirmed" })).toEqual([c, b]);
    expect(await list({ limit: 2 })).toEqual([b, a]);
    ln.advance(1);
    expect(await list({ limit: 3 })).toEqual([c, b, a]);
    expect(await list({ before: c, limit: 1 })).toEqual([b]);
    expect(await list({ until: a })).toEqual([c, b]);
    expect(await list({ before: c, until: a })).toEqual([b]);
    expect(await list({ before: unknownSignature() })).toEqual([]);
    expect((await raw("getSignaturesForAddress", [sender.ata, { commitment: "processed" }])).error.code).toBe(-32602);
  });

  test("simulateTransaction returns the documented result, and can replace the blockhash", async () => {
    const tx = await signed(sender.signer, transferIxs(sender, ln.vaultTokenAccount, 1_000n, "sim"));
    const sim = await rpc.simulateTransaction(tx.wire as any, { encoding: "base64" }).send();
    expect(sim.value.err).toBeNull();
    expect(sim.value.logs?.length).toBeGreaterThan(0);
    expect(sim.value.unitsConsumed! > 0n).toBe(true);
    const rawSim = (await raw("simulateTransaction", [tx.wire, { encoding: "base64", innerInstructions: true, accounts: { addresses: [ln.vaultTokenAccount], encoding: "jsonParsed" } }])).result.value;
    expect(rawSim.accounts[0].data.parsed.type).toBe("account");
    expect(rawSim.fee).toBe(5000);
    expect(rawSim.innerInstructions).toEqual([]);
    // Simulation changes nothing.
    expect((await raw("getSignatureStatuses", [[tx.signature]])).result.value).toEqual([null]);

    const stale = await signed(sender.signer, transferIxs(sender, ln.vaultTokenAccount, 1_000n), { blockhash: { blockhash: randomBlockhash(), lastValidBlockHeight: 1n } });
    const refused = (await raw("simulateTransaction", [stale.wire, { encoding: "base64" }])).result.value;
    expect(refused.err).toBe("BlockhashNotFound");
    const replaced = (await raw("simulateTransaction", [stale.wire, { encoding: "base64", replaceRecentBlockhash: true }])).result.value;
    expect(replaced.err).toBeNull();
    expect(replaced.replacementBlockhash).toEqual({ blockhash: expect.stringMatching(BASE58), lastValidBlockHeight: expect.any(Number) });
    expect((await raw("simulateTransaction", [stale.wire, { encoding: "base64", replaceRecentBlockhash: true, sigVerify: true }])).error.code).toBe(-32602);
  });
});
