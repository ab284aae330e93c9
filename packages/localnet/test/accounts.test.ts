import { afterAll, describe, expect, test } from "bun:test";
import { address, generateKeyPairSigner, getBase64Encoder, lamports } from "@solana/kit";
import { TOKEN, openChain } from "./support";

// Account reads: encodings, commitment, and agave's token-balance errors.

const { ln, rpc, post, raw } = await openChain();
afterAll(() => ln.close());

describe("accounts", () => {
  test("getAccountInfo in base64, base58 and jsonParsed, and null for a missing account", async () => {
    const b64 = await raw("getAccountInfo", [ln.vaultTokenAccount, { encoding: "base64" }]);
    const value = b64.result.value;
    expect(Object.keys(value).sort()).toEqual(["data", "executable", "lamports", "owner", "rentEpoch", "space"]);
    expect(value.data[1]).toBe("base64");
    expect(getBase64Encoder().encode(value.data[0]).length).toBe(165);
    expect(value).toMatchObject({ executable: false, lamports: 2_039_280, owner: TOKEN, space: 165 });
    const text = (await post(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "getAccountInfo", params: [ln.vaultTokenAccount, { encoding: "base64" }] }))).text;
    // u64::MAX written exactly, as a node does (JSON.parse would round it).
    expect(text).toContain('"rentEpoch":18446744073709551615');
    const viaKit = await rpc.getAccountInfo(address(ln.vaultTokenAccount), { encoding: "base64" }).send();
    // kit's types omit rentEpoch, but its bigint-safe parser keeps it exact.
    expect((viaKit.value as unknown as { rentEpoch: bigint }).rentEpoch).toBe(18446744073709551615n);

    const parsed = (await raw("getAccountInfo", [ln.vaultTokenAccount, { encoding: "jsonParsed" }])).result.value.data;
    expect(parsed).toEqual({
      program: "spl-token",
      parsed: {
        type: "account",
        info: {
          isNative: false,
          mint: ln.mint,
          owner: ln.vaultOwner,
          state: "initialized",
          tokenAmount: expect.objectContaining({ decimals: 6 }),
        },
      },
      space: 165,
    });
    const mint = (await raw("getAccountInfo", [ln.mint, { encoding: "jsonParsed" }])).result.value.data.parsed;
    expect(mint.type).toBe("mint");
    expect(mint.info).toMatchObject({ decimals: 6, isInitialized: true, freezeAuthority: null, mintAuthority: ln.mintAuthority });
    expect(typeof mint.info.supply).toBe("string");

    const b58 = (await raw("getAccountInfo", [ln.mint, { encoding: "base58" }])).result.value.data;
    expect(b58[1]).toBe("base58");
    // A system account has no parser: jsonParsed falls back to base64.
    expect((await raw("getAccountInfo", [ln.hotWallet.address, { encoding: "jsonParsed" }])).result.value.data).toEqual(["", "base64"]);
    const missing = await raw("getAccountInfo", [(await generateKeyPairSigner()).address, { encoding: "base64" }]);
    expect(missing.result.value).toBeNull();
    expect(typeof missing.result.context.slot).toBe("number");
  });

  test("getBalance is 0 for a missing account and reads at the requested commitment", async () => {
    const who = (await generateKeyPairSigner()).address;
    expect((await raw("getBalance", [who])).result.value).toBe(0);
    await rpc.requestAirdrop(who, lamports(3_000_000_000n)).send();
    expect((await rpc.getBalance(who, { commitment: "processed" }).send()).value).toBe(lamports(3_000_000_000n));
    // Not finalized yet: a finalized read still sees the account as missing.
    expect((await rpc.getBalance(who, { commitment: "finalized" }).send()).value).toBe(lamports(0n));
    expect((await raw("getBalance", [who])).result.value).toBe(0);
    ln.advance(1);
    expect((await rpc.getBalance(who, { commitment: "confirmed" }).send()).value).toBe(lamports(3_000_000_000n));
    expect((await rpc.getBalance(who, { commitment: "finalized" }).send()).value).toBe(lamports(0n));
    ln.advance(1);
    expect((await rpc.getBalance(who, { commitment: "finalized" }).send()).value).toBe(lamports(3_000_000_000n));
  });

  test("getTokenAccountBalance has the documented shape and agave's -32602 errors", async () => {
    const body = await raw("getTokenAccountBalance", [ln.hotWallet.tokenAccount]);
    expect(body.result.value).toEqual({ amount: "1000000000000", decimals: 6, uiAmount: 1000000, uiAmountString: "1000000" });
    // serde_json writes f64 with a decimal point.
    expect((await post(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "getTokenAccountBalance", params: [ln.hotWallet.tokenAccount] }))).text).toContain('"uiAmount":1000000.0');
    const viaKit = await rpc.getTokenAccountBalance(address(ln.hotWallet.tokenAccount)).send();
    expect(viaKit.value.amount as string).toBe("1000000000000");
    const missing = await raw("getTokenAccountBalance", [(await generateKeyPairSigner()).address]);
    expect(missing.error).toEqual({ code: -32602, message: "Invalid param: could not find account" });
    const notToken = await raw("getTokenAccountBalance", [ln.hotWallet.address]);
    expect(notToken.error).toEqual({ code: -32602, message: "Invalid param: not a Token account" });
  });
});
