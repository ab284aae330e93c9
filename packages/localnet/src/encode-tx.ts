import { getBase58Decoder, getBase64Decoder } from "@solana/kit";
import type { Json } from "./json";
import { parsedInstruction } from "./parse-instruction";
import type { InnerIx, TokenBalanceEntry, TxRecord } from "./store";
import { uiTokenAmount } from "./token";
import { decodeWireTransaction, isStaticWritable, type DecodedTx } from "./wire";

// getTransaction results in the encodings of agave's transaction-status crate: "json" (raw
// compiled instructions), "jsonParsed" (account keys with signer/writable/source, parsed
// instructions), "base64"/"base58" (wire bytes with the json meta).

export type TxEncoding = "json" | "jsonParsed" | "base64" | "base58";

const b58 = getBase58Decoder();
const b64 = getBase64Decoder();

// Keys a node never reports writable (agave's reserved account keys: builtins and sysvars).
const RESERVED = new Set([
  "11111111111111111111111111111111",
  "ComputeBudget111111111111111111111111111111",
  "Vote111111111111111111111111111111111111111",
  "Stake11111111111111111111111111111111111111",
  "Config1111111111111111111111111111111111111",
  "AddressLookupTab1e1111111111111111111111111",
  "BPFLoader1111111111111111111111111111111111",
  "BPFLoader2111111111111111111111111111111111",
  "BPFLoaderUpgradeab1e11111111111111111111111",
  "LoaderV411111111111111111111111111111111111",
  "NativeLoader1111111111111111111111111111111",
  "Ed25519SigVerify111111111111111111111111111",
  "KeccakSecp256k11111111111111111111111111111",
  "Secp256r1SigVerify1111111111111111111111111",
  "Feature111111111111111111111111111111111111",
  "Sysvar1111111111111111111111111111111111111",
  "SysvarC1ock11111111111111111111111111111111",
  "SysvarEpochSchedu1e111111111111111111111111",
  "SysvarFees111111111111111111111111111111111",
  "SysvarRecentB1ockHashes11111111111111111111",
  "SysvarRent111111111111111111111111111111111",
  "SysvarRewards111111111111111111111111111111",
  "SysvarS1otHashes111111111111111111111111111",
  "SysvarS1otHistory11111111111111111111111111",
  "SysvarStakeHistory1111111111111111111111111",
  "Sysvar1nstructions1111111111111111111111111",
  "SysvarEpochRewards1111111111111111111111111",
  "SysvarLastRestartS1ot1111111111111111111111",
]);
const UPGRADEABLE_LOADER = "BPFLoaderUpgradeab1e11111111111111111111111";

export function uiTokenBalances(entries: TokenBalanceEntry[]): Json[] {
  return entries.map((e) => ({ accountIndex: e.accountIndex, mint: e.mint, uiTokenAmount: uiTokenAmount(e.amount, e.decimals), owner: e.owner, programId: e.programId }));
}

function parsedAccountKeys(tx: DecodedTx, keys: string[], loadedWritable: number): Json[] {
  const invoked = new Set(tx.instructions.map((ix) => ix.programIdIndex));
  const hasUpgradeableLoader = keys.includes(UPGRADEABLE_LOADER);
  const staticCount = tx.staticKeys.length;
  return keys.map((pubkey, i) => {
    const indexWritable = i < staticCount ? isStaticWritable(tx, i) : i < staticCount + loadedWritable;
    // A program being invoked is demoted to readonly unless the upgradeable loader is present.
    const writable = indexWritable && !RESERVED.has(pubkey) && !(invoked.has(i) && !hasUpgradeableLoader);
    return { pubkey, signer: i < tx.header.numRequiredSignatures, writable, source: i < staticCount ? "transaction" : "lookupTable" };
  });
}

function rawInstruction(ix: { programIdIndex: number; accounts: Uint8Array; data: Uint8Array }, stackHeight: number | null): Json {
  return { programIdIndex: ix.programIdIndex, accounts: Array.from(ix.accounts), data: b58.decode(ix.data), stackHeight };
}

/** meta.innerInstructions: one entry per top-level instruction that made CPIs. */
export function innerInstructionsJson(inner: InnerIx[][], keys: string[], parsed: boolean): Json[] {
  const out: Json[] = [];
  inner.forEach((list, index) => {
    if (list.length === 0) return;
    const instructions = list.map((ii) =>
      parsed ? parsedInstruction({ programId: keys[ii.programIdIndex] ?? "", accounts: ii.accounts, data: ii.data, stackHeight: ii.stackHeight }, keys) : rawInstruction(ii, ii.stackHeight),
    );
    out.push({ index, instructions });
  });
  return out;
}

function lookupsJson(tx: DecodedTx): Json[] | undefined {
  if (tx.version === "legacy") return undefined;
  return tx.lookups.map((l) => ({ accountKey: l.accountKey, writableIndexes: Array.from(l.writableIndexes), readonlyIndexes: Array.from(l.readonlyIndexes) }));
}

function transactionJson(r: TxRecord, encoding: TxEncoding): Json {
  if (encoding === "base64") return [b64.decode(r.wire), "base64"];
  if (encoding === "base58") return [b58.decode(r.wire), "base58"];
  const tx = decodeWireTransaction(r.wire);
  if (encoding === "jsonParsed") {
    return {
      signatures: tx.signatures,
      message: {
        accountKeys: parsedAccountKeys(tx, r.accountKeys, r.loaded.writable.length),
        recentBlockhash: tx.recentBlockhash,
        instructions: tx.instructions.map((ix) =>
          parsedInstruction({ programId: r.accountKeys[ix.programIdIndex] ?? "", accounts: ix.accounts, data: ix.data, stackHeight: null }, r.accountKeys),
        ),
        addressTableLookups: lookupsJson(tx),
      },
    };
  }
  return {
    signatures: tx.signatures,
    message: {
      accountKeys: tx.staticKeys,
      header: tx.header,
      recentBlockhash: tx.recentBlockhash,
      instructions: tx.instructions.map((ix) => rawInstruction(ix, null)),
      addressTableLookups: lookupsJson(tx),
    },
  };
}

function metaJson(r: TxRecord, encoding: TxEncoding): Json {
  const parsed = encoding === "jsonParsed";
  return {
    err: r.err,
    status: r.err === null ? { Ok: null } : { Err: r.err },
    fee: r.fee,
    preBalances: Array.from(r.preBalances),
    postBalances: Array.from(r.postBalances),
    innerInstructions: innerInstructionsJson(r.inner, r.accountKeys, parsed),
    logMessages: r.logs,
    preTokenBalances: uiTokenBalances(r.preTokenBalances),
    postTokenBalances: uiTokenBalances(r.postTokenBalances),
    rewards: [],
    // jsonParsed lists loaded keys inside accountKeys (source "lookupTable") instead.
    loadedAddresses: parsed ? undefined : r.loaded,
    returnData: r.returnData ? { programId: r.returnData.programId, data: [b64.decode(r.returnData.data), "base64"] } : undefined,
    computeUnitsConsumed: r.computeUnits,
  };
}

/** The getTransaction result; `version` only when the client sent maxSupportedTransactionVersion. */
export function transactionResult(r: TxRecord, encoding: TxEncoding, withVersion: boolean): Json {
  return {
    slot: r.slot,
    blockTime: r.blockTime,
    transaction: transactionJson(r, encoding),
    meta: metaJson(r, encoding),
    version: withVersion ? r.version : undefined,
  };
}
