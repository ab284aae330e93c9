import { afterAll, describe, expect, test } from "bun:test";
import { BASE58, openChain } from "./support";

// The JSON-RPC envelope (ids, batches, the error codes of a node) and the result of every method
// in the shape the Solana RPC documentation gives.

const { ln, post, raw } = await openChain();
afterAll(() => ln.close());

describe("JSON-RPC envelope", () => {
  test("answers with jsonrpc, result and the request id; context methods carry context.slot", async () => {
    const body = await raw("getLatestBlockhash");
    expect(Object.keys(body).sort()).toEqual(["id", "jsonrpc", "result"]);
    expect(body.jsonrpc).toBe("2.0");
    expect(body.id).toBe(7);
    expect(Object.keys(body.result).sort()).toEqual(["context", "value"]);
    expect(typeof body.result.context.slot).toBe("number");
    expect(Object.keys(body.result.value).sort()).toEqual(["blockhash", "lastValidBlockHeight"]);
    expect(body.result.value.blockhash).toMatch(BASE58);
    // lastValidBlockHeight is the block height of the answering slot plus 150.
    expect(body.result.value.lastValidBlockHeight).toBe(body.result.context.slot + 150);
  });

  test("an unknown method is -32601, bad params are -32602, a bad body is -32700", async () => {
    expect((await raw("getNothing")).error).toEqual({ code: -32601, message: "Method not found" });
    const badKey = await raw("getBalance", ["not-a-key"]);
    expect(badKey.error.code).toBe(-32602);
    expect(badKey.id).toBe(7);
    expect((await raw("getSignaturesForAddress", [ln.vaultTokenAccount, { limit: 0 }])).error).toEqual({ code: -32602, message: "Invalid limit; max 1000" });
    expect((await raw("getBalance", [ln.vaultOwner, { commitment: "final" }])).error.code).toBe(-32602);
    expect((await raw("getTransaction", ["1".repeat(64), { commitment: "processed" }])).error).toEqual({
      code: -32602,
      message: "Method does not support commitment below `confirmed`",
    });
    const parse = await post("{");
    expect(parse.json).toEqual({ jsonrpc: "2.0", error: { code: -32700, message: "Parse error" }, id: null });
    expect((await post("[]")).json.error.code).toBe(-32600);
    expect((await post(JSON.stringify({ jsonrpc: "1.0", id: 1, method: "getSlot" }))).json.error.code).toBe(-32600);
  });

  test("a batch gets one answer per request, in order, each with its id", async () => {
    const { json } = await post(
      JSON.stringify([
        { jsonrpc: "2.0", id: 1, method: "getHealth" },
        { jsonrpc: "2.0", id: "two", method: "nope" },
        { jsonrpc: "2.0", id: 3, method: "getBalance", params: [ln.hotWallet.address] },
        { jsonrpc: "2.0", method: "getSlot" },
      ]),
    );
    expect(json).toHaveLength(3);
    expect(json[0]).toEqual({ jsonrpc: "2.0", result: "ok", id: 1 });
    expect(json[1]).toEqual({ jsonrpc: "2.0", error: { code: -32601, message: "Method not found" }, id: "two" });
    expect(json[2].id).toBe(3);
    expect(json[2].result.value).toBe(1_000_000_000_000);
  });
});

describe("documented shapes", () => {
  test("every method answers with the result type of the RPC documentation", async () => {
    const context = { apiVersion: expect.any(String), slot: expect.any(Number) };
    const who = ln.hotWallet.address;
    const airdrop = (await raw("requestAirdrop", [who, 1_000_000_000])).result;
    expect(airdrop).toMatch(BASE58);
    ln.advance(2);
    const shapes: [string, unknown[], unknown][] = [
      ["getBalance", [who], { context, value: expect.any(Number) }],
      ["getLatestBlockhash", [], { context, value: { blockhash: expect.stringMatching(BASE58), lastValidBlockHeight: expect.any(Number) } }],
      ["getTokenAccountBalance", [ln.hotWallet.tokenAccount], { context, value: { amount: expect.any(String), decimals: 6, uiAmount: expect.any(Number), uiAmountString: expect.any(String) } }],
      ["getAccountInfo", [who, { encoding: "base64" }], { context, value: { data: ["", "base64"], executable: false, lamports: expect.any(Number), owner: "11111111111111111111111111111111", rentEpoch: expect.any(Number), space: 0 } }],
      ["getSignatureStatuses", [[airdrop]], { context, value: [{ slot: expect.any(Number), confirmations: null, err: null, status: { Ok: null }, confirmationStatus: "finalized" }] }],
      ["getSignaturesForAddress", [who, { limit: 1 }], [{ signature: airdrop, slot: expect.any(Number), err: null, memo: null, blockTime: expect.any(Number), confirmationStatus: "finalized" }]],
      ["getSlot", [], expect.any(Number)],
      ["getBlockHeight", [], expect.any(Number)],
      ["getMinimumBalanceForRentExemption", [50], expect.any(Number)],
      ["getGenesisHash", [], expect.stringMatching(BASE58)],
      ["getHealth", [], "ok"],
      ["getVersion", [], { "solana-core": expect.any(String), "feature-set": expect.any(Number) }],
    ];
    for (const [method, params, shape] of shapes) {
      const body = await raw(method, params);
      expect({ method, result: body.result }).toEqual({ method, result: shape });
    }
    const tx = (await raw("getTransaction", [airdrop, { encoding: "json" }])).result;
    expect(tx).toEqual({ slot: expect.any(Number), blockTime: expect.any(Number), meta: expect.any(Object), transaction: { signatures: [airdrop], message: expect.any(Object) } });
    expect(tx.meta).toMatchObject({ err: null, fee: 5000, innerInstructions: [], postTokenBalances: [], preTokenBalances: [], rewards: [], status: { Ok: null } });
    expect(tx.meta.preBalances).toHaveLength(tx.transaction.message.accountKeys.length);
  });
});
