import type { Json } from "./json";

// What a node keeps about landed transactions and LiteSVM does not (it has no slots, fees,
// balances or address index): one record per landed transaction, and an address -> records
// index (every account key of the transaction) for getSignaturesForAddress.
//
// Bounded: past `limit` records the oldest is dropped, from the map and from the front of every
// address list it is in (records are appended in landing order, so it is always the first
// element there). A dropped signature can no longer be replayed: its blockhash expired long
// before (150 blocks), so LiteSVM-side deduplication is not needed.

export interface TokenBalanceEntry {
  accountIndex: number;
  mint: string;
  owner: string;
  programId: string;
  amount: bigint;
  decimals: number;
}

export interface InnerIx {
  programIdIndex: number;
  accounts: Uint8Array;
  data: Uint8Array;
  stackHeight: number;
}

export interface TxRecord {
  /** Landing order, strictly increasing. */
  seq: number;
  signature: string;
  /** The transaction as sent; decoded again when asked for (cheaper than keeping it decoded). */
  wire: Uint8Array;
  version: "legacy" | 0;
  /** Static keys, then loaded writable, then loaded readonly (the order account indexes use). */
  accountKeys: string[];
  loaded: { writable: string[]; readonly: string[] };
  slot: bigint;
  blockTime: number;
  fee: bigint;
  err: Json | null;
  logs: string[];
  /** Inner instructions per top-level instruction index. */
  inner: InnerIx[][];
  preBalances: BigUint64Array;
  postBalances: BigUint64Array;
  preTokenBalances: TokenBalanceEntry[];
  postTokenBalances: TokenBalanceEntry[];
  computeUnits: bigint;
  returnData: { programId: string; data: Uint8Array } | null;
  memo: string | null;
}

export class TxStore {
  private readonly bySignature = new Map<string, TxRecord>();
  private readonly byAddress = new Map<string, TxRecord[]>();
  private nextSeq = 0;

  constructor(readonly limit: number) {}

  get size(): number {
    return this.bySignature.size;
  }

  takeSeq(): number {
    return this.nextSeq++;
  }

  get(signature: string): TxRecord | undefined {
    return this.bySignature.get(signature);
  }

  add(record: TxRecord): void {
    this.bySignature.set(record.signature, record);
    for (const key of record.accountKeys) {
      const list = this.byAddress.get(key);
      if (list) list.push(record);
      else this.byAddress.set(key, [record]);
    }
    while (this.bySignature.size > this.limit) this.evictOldest();
  }

  /** Records that touched `address`, oldest first. */
  forAddress(address: string): readonly TxRecord[] {
    return this.byAddress.get(address) ?? [];
  }

  private evictOldest(): void {
    const oldest = this.bySignature.values().next().value;
    if (!oldest) return;
    this.bySignature.delete(oldest.signature);
    for (const key of oldest.accountKeys) {
      const list = this.byAddress.get(key);
      if (list?.[0] === oldest) list.shift();
      if (list?.length === 0) this.byAddress.delete(key);
    }
  }
}
