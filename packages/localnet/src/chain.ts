import { address as toAddress, lamports } from "@solana/kit";
import { Clock, LiteSVM } from "litesvm";
import { addressBytes } from "./base58";
import { nativeOf, type Native } from "./native";
import { TxStore } from "./store";

// The ledger around LiteSVM: slots, blockhashes, commitment levels and account reads at a
// commitment. LiteSVM only has "now"; a node answers reads at `finalized` by default, so the
// shim keeps an undo journal of the accounts changed by transactions that are not finalized yet
// and rebuilds the older state from it (bounded: entries are dropped once finalized).
//
// Model: the processed slot S is the newest. A landed transaction opens its own slot (S+1), and
// a timer opens empty ones. A transaction at slot t is confirmed once S >= t+1 and finalized once
// S >= t + finalitySlots. Block height equals slot (no skipped slots). Each slot has its own
// blockhash (LiteSVM's expireBlockhash), valid for 150 blocks as on a real cluster.

export type Commitment = "processed" | "confirmed" | "finalized";

export interface AccountSnapshot {
  lamports: bigint;
  data: Uint8Array;
  owner: string;
  executable: boolean;
}

export const MAX_BLOCKHASH_AGE = 150n;
const SLOTS_KEPT = 512n;

export interface ChainOptions {
  finalitySlots: number;
  /** What getGenesisHash answers (a cluster's CAIP-2 id is built from it); the first blockhash when absent. */
  genesisHash?: string;
  historyLimit: number;
  /** Wall clock in ms (block times). */
  now: () => number;
}

interface JournalEntry {
  slot: bigint;
  address: string;
  before: AccountSnapshot | null;
}

export class Chain {
  readonly svm: LiteSVM;
  readonly store: TxStore;
  readonly genesisHash: string;
  /** The first slot's blockhash (LiteSVM's own), also what reads before any slot fall back to. */
  private readonly firstBlockhash: string;
  readonly firstSlot: bigint;
  readonly finalitySlots: bigint;
  transactionCount = 0n;
  private processed: bigint;
  private readonly hashBySlot = new Map<bigint, string>();
  private readonly slotByHash = new Map<string, bigint>();
  private readonly timeBySlot = new Map<bigint, number>();
  private journal: JournalEntry[] = [];
  readonly native: Native;

  constructor(private readonly options: ChainOptions) {
    // Blockhash age and duplicate signatures are checked here (per slot, 150 blocks), so
    // LiteSVM's single-blockhash check and its unbounded history are turned off.
    this.svm = new LiteSVM().withBlockhashCheck(false).withTransactionHistory(0n);
    this.native = nativeOf(this.svm);
    this.store = new TxStore(options.historyLimit);
    this.finalitySlots = BigInt(Math.max(1, options.finalitySlots));
    this.firstSlot = this.svm.getClock().slot;
    this.processed = this.firstSlot;
    this.firstBlockhash = this.svm.latestBlockhash();
    this.genesisHash = options.genesisHash ?? this.firstBlockhash;
    this.openSlot(this.firstSlot, this.firstBlockhash);
  }

  slotAt(commitment: Commitment): bigint {
    const behind = commitment === "processed" ? 0n : commitment === "confirmed" ? 1n : this.finalitySlots;
    const slot = this.processed - behind;
    return slot < this.firstSlot ? this.firstSlot : slot;
  }

  /** The commitment a transaction landed at `slot` has reached. */
  statusOf(slot: bigint): Commitment {
    if (slot <= this.slotAt("finalized")) return "finalized";
    if (slot <= this.slotAt("confirmed")) return "confirmed";
    return "processed";
  }

  blockTime(slot: bigint): number {
    return this.timeBySlot.get(slot) ?? Math.floor(this.options.now() / 1000);
  }

  latestBlockhash(commitment: Commitment): { blockhash: string; lastValidBlockHeight: bigint; slot: bigint } {
    const slot = this.slotAt(commitment);
    return { blockhash: this.hashBySlot.get(slot) ?? this.firstBlockhash, lastValidBlockHeight: slot + MAX_BLOCKHASH_AGE, slot };
  }

  /** Whether a transaction with this blockhash may still land in the next slot. */
  isBlockhashValid(blockhash: string, nextSlot = this.processed + 1n): boolean {
    const slot = this.slotByHash.get(blockhash);
    return slot !== undefined && nextSlot <= slot + MAX_BLOCKHASH_AGE;
  }

  /** Opens the next slot: new clock, new blockhash; prunes what became final. */
  advanceSlot(): bigint {
    const slot = this.processed + 1n;
    const unix = BigInt(Math.floor(this.options.now() / 1000));
    const clock = this.svm.getClock();
    this.svm.setClock(new Clock(slot, clock.epochStartTimestamp, clock.epoch, clock.leaderScheduleEpoch, unix));
    this.svm.expireBlockhash();
    this.processed = slot;
    this.openSlot(slot, this.svm.latestBlockhash());
    this.prune();
    return slot;
  }

  advance(n: number): void {
    for (let i = 0; i < n; i++) this.advanceSlot();
  }

  /** Current state of an account (null when it does not exist or has no lamports). */
  liveAccount(address: string): AccountSnapshot | null {
    return this.native.account(addressBytes(address));
  }

  /** The account as of the given commitment. */
  account(address: string, commitment: Commitment): AccountSnapshot | null {
    const at = this.slotAt(commitment);
    for (const entry of this.journal) {
      if (entry.slot > at && entry.address === address) return entry.before;
    }
    return this.liveAccount(address);
  }

  /** Records the pre-images of accounts a transaction landed at `slot` changed. */
  journalChanges(slot: bigint, before: Map<string, AccountSnapshot | null>, after: Map<string, AccountSnapshot | null>): void {
    for (const [address, pre] of before) {
      if (!sameAccount(pre, after.get(address) ?? null)) this.journal.push({ slot, address, before: pre });
    }
  }

  /** Writes an account directly (genesis setup only: it bypasses the journal). */
  setGenesisAccount(address: string, account: AccountSnapshot): void {
    this.svm.setAccount({
      address: toAddress(address),
      lamports: lamports(account.lamports),
      data: account.data,
      programAddress: toAddress(account.owner),
      executable: account.executable,
      space: BigInt(account.data.length),
    });
  }

  private openSlot(slot: bigint, blockhash: string): void {
    this.hashBySlot.set(slot, blockhash);
    this.slotByHash.set(blockhash, slot);
    this.timeBySlot.set(slot, Math.floor(this.options.now() / 1000));
  }

  private prune(): void {
    const finalized = this.slotAt("finalized");
    if (this.journal.length > 0 && this.journal[0]!.slot <= finalized) {
      this.journal = this.journal.filter((e) => e.slot > finalized);
    }
    const oldest = this.processed - SLOTS_KEPT;
    const hash = this.hashBySlot.get(oldest);
    if (hash !== undefined) {
      this.hashBySlot.delete(oldest);
      this.slotByHash.delete(hash);
      this.timeBySlot.delete(oldest);
    }
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameAccount(a: AccountSnapshot | null, b: AccountSnapshot | null): boolean {
  if (a === null || b === null) return a === b;
  return a.lamports === b.lamports && a.owner === b.owner && a.executable === b.executable && sameBytes(a.data, b.data);
}
