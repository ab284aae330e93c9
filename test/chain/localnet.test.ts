import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  address,
  appendTransactionMessageInstructions,
  createSolanaRpc,
  createTransactionMessage,
  generateKeyPairSigner,
  getBase58Decoder,
  getBase64Encoder,
  getBase64EncodedWireTransaction,
  getSignatureFromTransaction,
  isSolanaError,
  lamports,
  pipe,
  setTransactionMessageFeePayerSigner,
  setTransactionMessageLifetimeUsingBlockhash,
  signature,
  signTransactionMessageWithSigners,
  SOLANA_ERROR__JSON_RPC__SERVER_ERROR_SEND_TRANSACTION_PREFLIGHT_FAILURE,
  type Address,
  type Blockhash,
  type Instruction,
  type KeyPairSigner,
  type Rpc,
  type SolanaRpcApi,
} from "@solana/kit";
import { getAddMemoInstruction } from "@solana-program/memo";
import { getTransferSolInstruction } from "@solana-program/system";
import { findAssociatedTokenPda, getTransferCheckedInstruction, TOKEN_PROGRAM_ADDRESS } from "@solana-program/token";
import { startTestLocalnet, type TestLocalnet } from "../support/localnet";

// The local chain is checked two ways: through @solana/kit (the client the backend uses, so its
// parsing of every answer is exercised) and through raw fetch, pinning the exact JSON shapes of
// the Solana RPC documentation (envelope, context, keys, types, error codes).

let ln: TestLocalnet;
let rpc: Rpc<SolanaRpcApi>;

beforeAll(async () => {
  ln = await startTestLocalnet();
  rpc = createSolanaRpc(ln.url);
});
afterAll(() => ln.close());

const TOKEN = "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA";
const BASE58 = /^[1-9A-HJ-NP-Za-km-z]{32,88}$/;

async function post(body: string): Promise<{ status: number; text: string; json: any }> {
  const res = await fetch(ln.url, { method: "POST", headers: { "content-type": "application/json" }, body });
  const text = await res.text();
  return { status: res.status, text, json: text ? JSON.parse(text) : null };
}

/** One raw JSON-RPC call; returns the whole envelope. */
async function raw(method: string, params?: unknown): Promise<any> {
  return (await post(JSON.stringify({ jsonrpc: "2.0", id: 7, method, ...(params === undefined ? {} : { params }) }))).json;
}

interface Wallet {
  signer: KeyPairSigner;
  ata: Address;
}

async function ataOf(owner: Address): Promise<Address> {
  const [ata] = await findAssociatedTokenPda({ owner, mint: address(ln.mint), tokenProgram: TOKEN_PROGRAM_ADDRESS });
  return ata;
}

/** A wallet with 2 SOL and `usdc` atomic USDC, funded through the faucet methods and finalized. */
async function fundedWallet(usdc: bigint): Promise<Wallet> {
  const signer = await generateKeyPairSigner();
  await rpc.requestAirdrop(signer.address, lamports(2_000_000_000n)).send();
  const minted = await raw("machpay_mintTo", { owner: signer.address, amount_atomic: usdc.toString() });
  expect(minted.result).toMatch(BASE58);
  ln.advance(2);
  return { signer, ata: await ataOf(signer.address) };
}

async function latest() {
  return (await rpc.getLatestBlockhash({ commitment: "confirmed" }).send()).value;
}

async function signed(payer: KeyPairSigner, instructions: Instruction[], options: { version?: 0 | "legacy"; blockhash?: { blockhash: Blockhash; lastValidBlockHeight: bigint } } = {}) {
  const lifetime = options.blockhash ?? (await latest());
  const base = options.version === "legacy" ? createTransactionMessage({ version: "legacy" }) : createTransactionMessage({ version: 0 });
  const message = pipe(
    base,
    (m) => setTransactionMessageFeePayerSigner(payer, m),
    (m) => setTransactionMessageLifetimeUsingBlockhash(lifetime, m),
    (m) => appendTransactionMessageInstructions(instructions, m),
  );
  const tx = await signTransactionMessageWithSigners(message);
  return { wire: getBase64EncodedWireTransaction(tx), signature: getSignatureFromTransaction(tx) };
}

function transferIxs(from: Wallet, destination: string, amount: bigint, memo?: string): Instruction[] {
  const ixs: Instruction[] = [
    getTransferCheckedInstruction({ source: from.ata, mint: address(ln.mint), destination: address(destination), authority: from.signer, amount, decimals: 6 }),
  ];
  if (memo !== undefined) ixs.push(getAddMemoInstruction({ memo }));
  return ixs;
}

const randomBlockhash = () => getBase58Decoder().decode(crypto.getRandomValues(new Uint8Array(32))) as Blockhash;
const unknownSignature = () => getBase58Decoder().decode(crypto.getRandomValues(new Uint8Array(64)));

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

describe("cluster methods", () => {
  test("getSlot, getBlockHeight and getEpochInfo follow commitment; finalized trails by FINALITY_SLOTS", async () => {
    const processed = await rpc.getSlot({ commitment: "processed" }).send();
    const confirmed = await rpc.getSlot({ commitment: "confirmed" }).send();
    // kit sends commitment "confirmed" when none is given; a bare request gets the node's default.
    const finalized = await rpc.getSlot({ commitment: "finalized" }).send();
    expect(BigInt((await raw("getSlot")).result)).toBe(finalized);
    expect(processed - confirmed).toBe(1n);
    expect(processed - finalized).toBe(2n);
    expect(await rpc.getBlockHeight({ commitment: "processed" }).send()).toBe(processed);
    ln.advance(3);
    expect(await rpc.getSlot({ commitment: "processed" }).send()).toBe(processed + 3n);

    const info = (await raw("getEpochInfo", [{ commitment: "processed" }])).result;
    expect(Object.keys(info).sort()).toEqual(["absoluteSlot", "blockHeight", "epoch", "slotIndex", "slotsInEpoch", "transactionCount"]);
    expect(info.absoluteSlot).toBe(Number(processed) + 3);
    expect(info.slotsInEpoch).toBe(432000);
    expect(info.slotIndex).toBeLessThan(432000);
  });

  test("getHealth, getVersion, getGenesisHash and getMinimumBalanceForRentExemption", async () => {
    expect((await raw("getHealth")).result).toBe("ok");
    const version = (await raw("getVersion")).result;
    expect(Object.keys(version).sort()).toEqual(["feature-set", "solana-core"]);
    expect(typeof version["feature-set"]).toBe("number");
    expect((await raw("getGenesisHash")).result).toMatch(BASE58);
    // The mainnet figures quoted in the RPC docs: system account, mint, token account.
    expect(await rpc.getMinimumBalanceForRentExemption(0n).send()).toBe(lamports(890_880n));
    expect(await rpc.getMinimumBalanceForRentExemption(82n).send()).toBe(lamports(1_461_600n));
    expect((await raw("getMinimumBalanceForRentExemption", [165])).result).toBe(2_039_280);
  });
});

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
});

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
