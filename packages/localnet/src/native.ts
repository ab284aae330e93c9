import { FailedTransactionMetadata, type LiteSVM, type TransactionMetadata } from "litesvm";
import { base58Encode } from "./base58";
import type { AccountSnapshot } from "./chain";

// Direct use of litesvm's napi binding for the per-transaction hot path. The public LiteSVM
// class takes kit objects and converts every address and transaction through kit's codecs
// (BigInt base58, decode + re-encode of the transaction): about 0.1 ms per account read, which
// made account snapshots the main cost per transaction. The binding takes raw bytes.
// SAFETY: `inner` is the binding object the class wraps (litesvm 1.5.0 dist/index.js, pinned
// exactly in package.json); the methods used are declared in litesvm's dist/internal.d.ts.

interface NativeAccount {
  lamports(): bigint;
  data(): Uint8Array;
  owner(): Uint8Array;
  executable(): boolean;
}

interface NativeSimulated {
  meta(): TransactionMetadata;
  postAccounts(): { address: Uint8Array; account(): NativeAccount }[];
}

interface NativeSvm {
  getAccount(address: Uint8Array): NativeAccount | null;
  sendLegacyTransaction(tx: Uint8Array): TransactionMetadata | FailedTransactionMetadata;
  sendVersionedTransaction(tx: Uint8Array): TransactionMetadata | FailedTransactionMetadata;
  simulateLegacyTransaction(tx: Uint8Array): NativeSimulated | FailedTransactionMetadata;
  simulateVersionedTransaction(tx: Uint8Array): NativeSimulated | FailedTransactionMetadata;
}

const owners = new Map<string, string>();

/** Base58 of an owner key; owners are a handful of programs, so they are cached. */
function ownerName(bytes: Uint8Array): string {
  const key = String.fromCharCode(...bytes);
  let name = owners.get(key);
  if (name === undefined) {
    name = base58Encode(bytes);
    if (owners.size < 10_000) owners.set(key, name);
  }
  return name;
}

export function snapshotOf(account: NativeAccount | null): AccountSnapshot | null {
  if (account === null) return null;
  const lamports = account.lamports();
  // A node treats an account without lamports as gone.
  if (lamports === 0n) return null;
  return { lamports, data: account.data(), owner: ownerName(account.owner()), executable: account.executable() };
}

export interface Native {
  account(address: Uint8Array): AccountSnapshot | null;
  send(wire: Uint8Array, version: "legacy" | 0): TransactionMetadata | FailedTransactionMetadata;
  simulate(wire: Uint8Array, version: "legacy" | 0): { meta: TransactionMetadata; post: { address: string; account: AccountSnapshot | null }[] } | FailedTransactionMetadata;
}

export function nativeOf(svm: LiteSVM): Native {
  const inner = (svm as unknown as { inner: NativeSvm }).inner;
  return {
    account: (address) => snapshotOf(inner.getAccount(address)),
    send: (wire, version) => (version === "legacy" ? inner.sendLegacyTransaction(wire) : inner.sendVersionedTransaction(wire)),
    simulate: (wire, version) => {
      const result = version === "legacy" ? inner.simulateLegacyTransaction(wire) : inner.simulateVersionedTransaction(wire);
      if (result instanceof FailedTransactionMetadata) return result;
      return { meta: result.meta(), post: result.postAccounts().map((a) => ({ address: base58Encode(a.address), account: snapshotOf(a.account()) })) };
    },
  };
}
