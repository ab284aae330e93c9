import { base58Decode, base58Encode, intern } from "./base58";
import { FailedTransactionMetadata, type TransactionMetadata } from "litesvm";
import { feeOf, lamportsOf, tokenBalances, type Snapshots } from "./balances";
import type { Chain } from "./chain";
import { extractMemo } from "./parse-instruction";
import type { InnerIx, TxRecord } from "./store";
import { decodeTokenData } from "./token";
import { fromLiteSvmError, txError, type TxError } from "./tx-errors";
import { decodeWireTransaction, type DecodedTx } from "./wire";

// Running transactions: the checks LiteSVM is not asked to do (blockhash age over 150 slots,
// duplicate signatures, address table resolution), preflight simulation, landing in a new slot,
// and the record a node would keep (balances before/after, fee, logs, inner instructions).

const ALT_PROGRAM = "AddressLookupTab1e1111111111111111111111111";
const ALT_META_SIZE = 56;

export interface Resolved {
  keys: string[];
  loaded: { writable: string[]; readonly: string[] };
}

export interface ExecutionView {
  err: TxError | null;
  logs: string[];
  unitsConsumed: bigint;
  returnData: { programId: string; data: Uint8Array } | null;
  inner: InnerIx[][];
}

export interface SimulationOutcome extends ExecutionView {
  /** Whether LiteSVM ran it (false when an early check failed: no balances to report). */
  executed: boolean;
  tx: DecodedTx;
  resolved: Resolved | null;
  pre: Snapshots;
  post: Snapshots;
  fee: bigint;
  replacementBlockhash: { blockhash: string; lastValidBlockHeight: bigint } | null;
}

export type SubmitOutcome = { landed: true; record: TxRecord } | { landed: false; signature: string; err: TxError };

/** Preflight failed: -32002 (or -32003 for a bad signature) with the simulation as data. */
export class PreflightFailure extends Error {
  constructor(readonly simulation: SimulationOutcome) {
    super(simulation.err?.text ?? "");
  }
}

function resolveKeys(chain: Chain, tx: DecodedTx): Resolved | TxError {
  const loaded = { writable: [] as string[], readonly: [] as string[] };
  for (const lookup of tx.lookups) {
    const table = chain.liveAccount(lookup.accountKey);
    if (!table) return txError("AddressLookupTableNotFound");
    if (table.owner !== ALT_PROGRAM || table.data.length < ALT_META_SIZE) return txError("InvalidAddressLookupTableOwner");
    const count = Math.floor((table.data.length - ALT_META_SIZE) / 32);
    const at = (i: number) => base58Encode(table.data.subarray(ALT_META_SIZE + i * 32, ALT_META_SIZE + (i + 1) * 32));
    for (const [indexes, into] of [[lookup.writableIndexes, loaded.writable], [lookup.readonlyIndexes, loaded.readonly]] as const) {
      for (const i of indexes) {
        if (i >= count) return txError("InvalidAddressLookupTableIndex");
        into.push(at(i));
      }
    }
  }
  return { keys: [...tx.staticKeys, ...loaded.writable, ...loaded.readonly].map(intern), loaded };
}

function viewOf(meta: TransactionMetadata, err: TxError | null): ExecutionView {
  const rd = meta.returnData();
  const data = rd.data();
  return {
    err,
    logs: meta.logs(),
    unitsConsumed: meta.computeUnitsConsumed(),
    returnData: data.length > 0 ? { programId: base58Encode(rd.programId()), data: new Uint8Array(data) } : null,
    inner: meta.innerInstructions().map((list) =>
      list.map((ii) => {
        const c = ii.instruction();
        return { programIdIndex: c.programIdIndex(), accounts: new Uint8Array(c.accounts()), data: new Uint8Array(c.data()), stackHeight: ii.stackHeight() };
      }),
    ),
  };
}

const emptyView = (err: TxError): ExecutionView => ({ err, logs: [], unitsConsumed: 0n, returnData: null, inner: [] });

function snapshot(chain: Chain, keys: string[]): Snapshots {
  const snaps: Snapshots = new Map();
  for (const k of keys) snaps.set(k, chain.liveAccount(k));
  return snaps;
}

/** Decimals of a mint: from the snapshots when the transaction touches it, else current state. */
function decimalsLookup(chain: Chain, snaps: Snapshots) {
  return (mint: string): number | null => {
    const account = snaps.has(mint) ? snaps.get(mint)! : chain.liveAccount(mint);
    if (!account) return null;
    const decoded = decodeTokenData(account.owner, account.data);
    return decoded.kind === "mint" ? decoded.mint.decimals : null;
  };
}

/** Runs LiteSVM's simulation; the blockhash and duplicate checks come first, as on a node. */
export function simulate(
  chain: Chain,
  wire: Uint8Array,
  options: { sigVerify: boolean; replaceRecentBlockhash: boolean },
  decoded = decodeWireTransaction(wire),
): SimulationOutcome {
  let tx = decoded;
  let replacementBlockhash: SimulationOutcome["replacementBlockhash"] = null;
  if (options.replaceRecentBlockhash) {
    const latest = chain.latestBlockhash("processed");
    wire = wire.slice();
    wire.set(base58Decode(latest.blockhash), tx.blockhashOffset);
    tx = decodeWireTransaction(wire);
    replacementBlockhash = { blockhash: latest.blockhash, lastValidBlockHeight: latest.lastValidBlockHeight };
  }
  const base = { executed: false, tx, pre: new Map(), post: new Map(), fee: feeOf(tx), replacementBlockhash } as const;
  const resolved = resolveKeys(chain, tx);
  if (!("keys" in resolved)) return { ...emptyView(resolved), ...base, resolved: null };
  const early = !options.replaceRecentBlockhash && !chain.isBlockhashValid(tx.recentBlockhash) ? txError("BlockhashNotFound") : chain.store.get(tx.signatures[0] ?? "") ? txError("AlreadyProcessed") : null;
  if (early) return { ...emptyView(early), ...base, resolved };
  const pre = snapshot(chain, resolved.keys);
  chain.svm.withSigverify(options.sigVerify);
  let result;
  try {
    result = chain.native.simulate(wire, tx.version);
  } finally {
    chain.svm.withSigverify(true);
  }
  if (result instanceof FailedTransactionMetadata) {
    return { ...viewOf(result.meta(), fromLiteSvmError(result.err())), ...base, executed: true, resolved, pre, post: pre };
  }
  const post: Snapshots = new Map(pre);
  for (const a of result.post) if (post.has(a.address)) post.set(a.address, a.account);
  return { ...viewOf(result.meta, null), ...base, executed: true, resolved, pre, post };
}

/** sendTransaction: preflight unless skipped, then land the transaction in a new slot. */
export function submit(chain: Chain, wire: Uint8Array, options: { skipPreflight: boolean }): SubmitOutcome {
  const tx = decodeWireTransaction(wire);
  const signature = tx.signatures[0] ?? "";
  if (!options.skipPreflight) {
    const sim = simulate(chain, wire, { sigVerify: true, replaceRecentBlockhash: false }, tx);
    if (sim.err) throw new PreflightFailure(sim);
  }
  const resolved = resolveKeys(chain, tx);
  if (!("keys" in resolved)) return { landed: false, signature, err: resolved };
  if (!chain.isBlockhashValid(tx.recentBlockhash)) return { landed: false, signature, err: txError("BlockhashNotFound") };
  if (chain.store.get(signature)) return { landed: false, signature, err: txError("AlreadyProcessed") };

  const pre = snapshot(chain, resolved.keys);
  const slot = chain.advanceSlot();
  const result = chain.native.send(wire, tx.version);
  const failed = result instanceof FailedTransactionMetadata;
  const err = result instanceof FailedTransactionMetadata ? fromLiteSvmError(result.err()) : null;
  const post = snapshot(chain, resolved.keys);
  const payer = resolved.keys[0] ?? "";
  // A failed transaction lands (and is recorded) when it was charged its fee; errors found
  // before execution (unknown payer, bad signature...) leave no trace, as on a node.
  if (failed && pre.get(payer)?.lamports === post.get(payer)?.lamports) return { landed: false, signature, err: err! };

  const meta = result instanceof FailedTransactionMetadata ? result.meta() : result;
  const view = viewOf(meta, err);
  const decimals = decimalsLookup(chain, post);
  const record: TxRecord = {
    seq: chain.store.takeSeq(),
    signature,
    wire,
    version: tx.version,
    accountKeys: resolved.keys,
    loaded: resolved.loaded,
    slot,
    blockTime: chain.blockTime(slot),
    fee: failed ? (pre.get(payer)?.lamports ?? 0n) - (post.get(payer)?.lamports ?? 0n) : feeOf(tx),
    err: err?.json ?? null,
    logs: view.logs,
    inner: view.inner,
    preBalances: BigUint64Array.from(lamportsOf(resolved.keys, pre)),
    postBalances: BigUint64Array.from(lamportsOf(resolved.keys, post)),
    preTokenBalances: tokenBalances(tx, resolved.keys, pre, decimalsLookup(chain, pre)),
    postTokenBalances: tokenBalances(tx, resolved.keys, post, decimals),
    computeUnits: view.unitsConsumed,
    returnData: view.returnData,
    memo: extractMemo(tx.instructions.map((ix) => ({ programId: tx.staticKeys[ix.programIdIndex] ?? "", data: ix.data }))),
  };
  chain.journalChanges(slot, pre, post);
  chain.store.add(record);
  chain.transactionCount += 1n;
  return { landed: true, record };
}
