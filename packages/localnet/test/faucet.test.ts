import { afterAll, describe, expect, test } from "bun:test";
import { generateKeyPairSigner, lamports } from "@solana/kit";
import { FaucetError } from "../src/index";
import { BASE58, openChain } from "./support";

// The faucet: requestAirdrop and machpay_mintTo land real transactions.

const { ln, rpc, raw, ataOf } = await openChain();
afterAll(() => ln.close());

describe("faucet", () => {
  test("requestAirdrop lands a real system transfer and returns its signature", async () => {
    const who = (await generateKeyPairSigner()).address;
    const sig = await rpc.requestAirdrop(who, lamports(5_000_000_000n)).send();
    ln.advance(1);
    const tx = await rpc.getTransaction(sig, { encoding: "jsonParsed", commitment: "confirmed", maxSupportedTransactionVersion: 0 }).send();
    const ix = tx?.transaction.message.instructions[0] as any;
    expect(ix.program).toBe("system");
    expect(ix.parsed).toEqual({ type: "transfer", info: { source: expect.any(String), destination: who, lamports: 5_000_000_000n } });
    expect(tx?.meta?.err).toBeNull();
  });

  test("machpay_mintTo creates the owner's associated token account and mints into it", async () => {
    const owner = (await generateKeyPairSigner()).address;
    const ata = await ataOf(owner);
    expect((await raw("getAccountInfo", [ata, { encoding: "base64", commitment: "processed" }])).result.value).toBeNull();

    const first = await raw("machpay_mintTo", { owner, amount_atomic: "2500000" });
    expect(first.result).toMatch(BASE58);
    const account = (await raw("getAccountInfo", [ata, { encoding: "jsonParsed", commitment: "processed" }])).result.value.data.parsed.info;
    expect(account).toMatchObject({ owner, mint: ln.mint, tokenAmount: { amount: "2500000", decimals: 6, uiAmountString: "2.5" } });

    // The positional form, into the now existing account.
    expect((await raw("machpay_mintTo", [owner, 500000])).result).toMatch(BASE58);
    ln.advance(2);
    expect((await rpc.getTokenAccountBalance(ata).send()).value.amount as string).toBe("3000000");

    const tx = (await raw("getTransaction", [first.result, { encoding: "jsonParsed" }])).result;
    const types = tx.transaction.message.instructions.map((i: any) => i.parsed.type);
    expect(types).toEqual(["createIdempotent", "mintToChecked"]);
    expect(tx.transaction.message.instructions[0].program).toBe("spl-associated-token-account");
    expect(tx.transaction.message.instructions[1].parsed.info).toMatchObject({ mint: ln.mint, account: ata, mintAuthority: ln.mintAuthority });

    expect((await raw("machpay_mintTo", { owner, amount_atomic: "0" })).error.code).toBe(-32602);
    expect((await raw("machpay_mintTo", { owner: "nope", amount_atomic: "1" })).error.code).toBe(-32602);
    expect((await raw("machpay_mintTo", { owner })).error.code).toBe(-32602);
  });

  test("the handle's faucet does the same in-process, and answers the landed signatures", async () => {
    const owner = (await generateKeyPairSigner()).address;
    const airdrop = await ln.faucet.airdrop(owner, 1_500_000_000n);
    const minted = await ln.faucet.mintTo(owner, 750_000n);
    expect([airdrop, minted]).toEqual([expect.stringMatching(BASE58), expect.stringMatching(BASE58)]);
    ln.advance(2);
    expect((await rpc.getBalance(owner).send()).value).toBe(lamports(1_500_000_000n));
    expect((await rpc.getTokenAccountBalance(await ataOf(owner)).send()).value.amount as string).toBe("750000");
    await expect(ln.faucet.mintTo(owner, 2n ** 64n - 1n)).rejects.toBeInstanceOf(FaucetError);
  });
});
