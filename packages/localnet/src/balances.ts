import { intern } from "./base58";
import type { AccountSnapshot } from "./chain";
import type { TokenBalanceEntry } from "./store";
import { decodeTokenData } from "./token";
import type { DecodedTx } from "./wire";

// What a node's status meta adds around execution: pre/post lamports of every account key,
// pre/post token balances (agave ledger/src/token_balances.rs: token accounts among the keys,
// skipping invoked programs, with the mint's decimals), and the fee.

export type Snapshots = Map<string, AccountSnapshot | null>;

export function lamportsOf(keys: string[], snaps: Snapshots): bigint[] {
  return keys.map((k) => snaps.get(k)?.lamports ?? 0n);
}

export function tokenBalances(
  tx: DecodedTx,
  keys: string[],
  snaps: Snapshots,
  decimalsOf: (mint: string) => number | null,
): TokenBalanceEntry[] {
  const invoked = new Set(tx.instructions.map((ix) => ix.programIdIndex));
  const out: TokenBalanceEntry[] = [];
  keys.forEach((key, accountIndex) => {
    if (invoked.has(accountIndex)) return;
    const snap = snaps.get(key);
    if (!snap) return;
    const decoded = decodeTokenData(snap.owner, snap.data);
    if (decoded.kind !== "account") return;
    const decimals = decimalsOf(decoded.account.mint);
    if (decimals === null) return;
    out.push({ accountIndex, mint: intern(decoded.account.mint), owner: intern(decoded.account.owner), programId: intern(snap.owner), amount: decoded.account.amount, decimals });
  });
  return out;
}

export const LAMPORTS_PER_SIGNATURE = 5000n;
const COMPUTE_BUDGET = "ComputeBudget111111111111111111111111111111";
const MAX_COMPUTE_UNITS = 1_400_000n;
// Builtin programs get a 3,000 CU default limit, others 200,000 (agave compute-budget defaults).
const BUILTINS = new Set([
  "11111111111111111111111111111111",
  COMPUTE_BUDGET,
  "Vote111111111111111111111111111111111111111",
  "Stake11111111111111111111111111111111111111",
  "Config1111111111111111111111111111111111111",
  "AddressLookupTab1e1111111111111111111111111",
  "BPFLoader1111111111111111111111111111111111",
  "BPFLoader2111111111111111111111111111111111",
  "BPFLoaderUpgradeab1e11111111111111111111111",
  "LoaderV411111111111111111111111111111111111",
]);

const u32 = (d: Uint8Array, at: number) => BigInt(new DataView(d.buffer, d.byteOffset, d.byteLength).getUint32(at, true));
const u64 = (d: Uint8Array, at: number) => new DataView(d.buffer, d.byteOffset, d.byteLength).getBigUint64(at, true);

/** 5,000 lamports per signature plus the priority fee (unit price x unit limit, rounded up). */
export function feeOf(tx: DecodedTx): bigint {
  let price = 0n;
  let limit: bigint | null = null;
  let defaultLimit = 0n;
  for (const ix of tx.instructions) {
    const program = tx.staticKeys[ix.programIdIndex] ?? "";
    defaultLimit += BUILTINS.has(program) ? 3_000n : 200_000n;
    if (program !== COMPUTE_BUDGET) continue;
    if (ix.data[0] === 2 && ix.data.length >= 5) limit = u32(ix.data, 1);
    if (ix.data[0] === 3 && ix.data.length >= 9) price = u64(ix.data, 1);
  }
  const units = limit ?? (defaultLimit > MAX_COMPUTE_UNITS ? MAX_COMPUTE_UNITS : defaultLimit);
  const priority = (price * units + 999_999n) / 1_000_000n;
  return LAMPORTS_PER_SIGNATURE * BigInt(tx.signatures.length) + priority;
}
