import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  address,
  appendTransactionMessageInstructions,
  createTransactionMessage,
  getBase64EncodedWireTransaction,
  generateKeyPairSigner,
  getBase64Encoder,
  getTransactionDecoder,
  lamports,
  partiallySignTransactionMessageWithSigners,
  pipe,
  setTransactionMessageFeePayer,
  setTransactionMessageLifetimeUsingBlockhash,
  signTransaction,
  signature,
  type Address,
  type Instruction,
  type KeyPairSigner,
} from "@solana/kit";
import { getAddMemoInstruction } from "@solana-program/memo";
import { getTransferCheckedInstruction } from "@solana-program/token";
import { BASE58, TOKEN, type Wallet, openChain } from "./support";

// The x402 `exact` flow on Solana (spec: schemes/exact/scheme_exact_svm.md), as a facilitator
// drives it through the RPC (@x402/svm's toFacilitatorSvmSigner): the client signs a
// transferChecked whose fee payer is someone else and leaves that signature empty; the facilitator
// simulates it without signature checks, co-signs as fee payer, sends it with skipPreflight and
// polls getSignatureStatuses until it is confirmed; it may then read it back (jsonParsed) and the
// destination's balance at `confirmed`.

const { ln, rpc, raw, fundedWallet, latest } = await openChain();
afterAll(() => ln.close());

const COMPUTE_BUDGET = address("ComputeBudget111111111111111111111111111111");

/** SetComputeUnitLimit (2, u32) and SetComputeUnitPrice (3, u64 micro-lamports), as x402 clients prepend them. */
function computeBudget(units: number, microLamports: bigint): Instruction[] {
  const limit = new Uint8Array(5);
  limit[0] = 2;
  new DataView(limit.buffer).setUint32(1, units, true);
  const price = new Uint8Array(9);
  price[0] = 3;
  new DataView(price.buffer).setBigUint64(1, microLamports, true);
  return [
    { programAddress: COMPUTE_BUDGET, data: limit },
    { programAddress: COMPUTE_BUDGET, data: price },
  ];
}

describe("a transfer whose fee payer signs last", () => {
  let client: Wallet;
  let feePayer: KeyPairSigner;
  let payToAta: Address;
  let partial: string;

  beforeAll(async () => {
    client = await fundedWallet(5_000_000n);
    feePayer = await generateKeyPairSigner();
    await rpc.requestAirdrop(feePayer.address, lamports(1_000_000_000n)).send();
    // The payee's token account exists (x402's exact scheme requires it, or a create instruction).
    payToAta = (await fundedWallet(1n)).ata;
    const lifetime = await latest();
    const message = pipe(
      createTransactionMessage({ version: 0 }),
      (m) => setTransactionMessageFeePayer(feePayer.address, m),
      (m) => setTransactionMessageLifetimeUsingBlockhash(lifetime, m),
      (m) =>
        appendTransactionMessageInstructions(
          [
            ...computeBudget(20_000, 1n),
            getTransferCheckedInstruction({ source: client.ata, mint: address(ln.mint), destination: payToAta, authority: client.signer, amount: 10_000n, decimals: 6 }),
            getAddMemoInstruction({ memo: "0f1e2d3c4b5a69788796a5b4c3d2e1f0" }),
          ],
          m,
        ),
    );
    partial = getBase64EncodedWireTransaction(await partiallySignTransactionMessageWithSigners(message));
  });

  test("simulates with sigVerify false (the fee payer's slot still empty), and is refused with sigVerify true", async () => {
    const sim = await rpc.simulateTransaction(partial as any, { encoding: "base64", sigVerify: false, replaceRecentBlockhash: false, commitment: "confirmed" }).send();
    expect(sim.value.err).toBeNull();
    expect(sim.value.unitsConsumed! > 0n).toBe(true);
    // The documented result (RpcSimulateTransactionResult) under its context.
    const documented = (await raw("simulateTransaction", [partial, { encoding: "base64", sigVerify: false, commitment: "confirmed" }])).result;
    expect(Object.keys(documented.context)).toContain("slot");
    expect(documented.value).toMatchObject({ err: null, accounts: null, innerInstructions: null, returnData: null, replacementBlockhash: null });
    expect(documented.value.preTokenBalances.map((b: { mint: string }) => b.mint)).toEqual(expect.arrayContaining([ln.mint]));
    const checked = await raw("simulateTransaction", [partial, { encoding: "base64", sigVerify: true }]);
    expect(checked.error.code).toBe(-32003);
    // Sent as it is, the missing signature keeps it off the chain.
    expect((await raw("sendTransaction", [partial, { encoding: "base64" }])).error.code).toBe(-32003);
  });

  test("co-signed by the fee payer, sent with skipPreflight: confirmed a slot later, the fee paid by the fee payer alone", async () => {
    const decoded = getTransactionDecoder().decode(getBase64Encoder().encode(partial));
    const full = getBase64EncodedWireTransaction(await signTransaction([feePayer.keyPair], decoded));
    const payerBefore = await rpc.getBalance(feePayer.address, { commitment: "processed" }).send();
    const clientBefore = await rpc.getBalance(client.signer.address, { commitment: "processed" }).send();

    const sig = await rpc.sendTransaction(full as any, { encoding: "base64", skipPreflight: true, preflightCommitment: "confirmed" }).send();
    expect(sig).toMatch(BASE58);
    expect((await rpc.getSignatureStatuses([sig]).send()).value[0]?.confirmationStatus).toBe("processed");
    ln.advance(1);
    const status = (await rpc.getSignatureStatuses([sig]).send()).value[0];
    expect(status).toMatchObject({ confirmationStatus: "confirmed", err: null });

    // Two signatures' base fee (5,000 lamports each), and the priority fee the client set, if any.
    expect(payerBefore.value - (await rpc.getBalance(feePayer.address, { commitment: "confirmed" }).send()).value).toBeGreaterThanOrEqual(10_000n);
    expect((await rpc.getBalance(client.signer.address, { commitment: "confirmed" }).send()).value).toBe(clientBefore.value);
    const balance = await rpc.getTokenAccountBalance(payToAta, { commitment: "confirmed" }).send();
    expect(balance.value.amount as string).toBe("10001");

    const tx = await rpc.getTransaction(signature(sig), { encoding: "jsonParsed", commitment: "confirmed", maxSupportedTransactionVersion: 0 }).send();
    const transfer = (tx?.transaction.message.instructions as any[]).find((ix) => ix.programId === TOKEN);
    expect(transfer.parsed).toMatchObject({ type: "transferChecked", info: { authority: client.signer.address, destination: payToAta, tokenAmount: { amount: "10000" } } });
    expect(tx?.meta?.innerInstructions).toEqual([]);
    // The same bytes again: the chain has them, the duplicate is dropped (its signature comes back).
    expect(await rpc.sendTransaction(full as any, { encoding: "base64", skipPreflight: true }).send()).toBe(sig);
    ln.advance(1);
    expect((await rpc.getTokenAccountBalance(payToAta, { commitment: "confirmed" }).send()).value.amount as string).toBe("10001");
  });
});
