import { INT8_MAX } from "@/core/money";
import type { ParsedInstruction, ParsedTransaction, TokenBalance } from "./rpc";

// Reading a jsonParsed transaction: token movements into an account, who authorised them, memos.

const TOKEN_PROGRAMS = new Set(["TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA", "TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb"]);
const MEMO_PROGRAMS = new Set(["MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr", "Memo1UhkJRfHyvLMcVucJwxXeuD728EqVDDwQDxFMNo"]);

/** Top-level and inner instructions alike: routers and CPIs transfer through inner ones. */
export function allInstructions(tx: ParsedTransaction): ParsedInstruction[] {
  const inner = tx.meta?.innerInstructions?.flatMap((i) => i.instructions) ?? [];
  return [...tx.transaction.message.instructions, ...inner];
}

export function memos(tx: ParsedTransaction): string[] {
  return allInstructions(tx)
    // By the parser's label as well as known ids: memo programs have several deployments.
    .filter((ix) => (ix.program === "spl-memo" || MEMO_PROGRAMS.has(ix.programId)) && typeof ix.parsed === "string")
    .map((ix) => ix.parsed as string);
}

interface TransferInfo {
  destination?: string;
  mint?: string;
  authority?: string;
  multisigAuthority?: string;
}

/** Who signed the token transfers into `destination` (the authority of each transfer instruction). */
export function transferAuthorities(tx: ParsedTransaction, destination: string): string[] {
  const out: string[] = [];
  for (const ix of allInstructions(tx)) {
    if (!(ix.program === "spl-token" || TOKEN_PROGRAMS.has(ix.programId)) || typeof ix.parsed !== "object" || ix.parsed === null) continue;
    const parsed = ix.parsed as { type?: string; info?: TransferInfo };
    if (parsed.type !== "transfer" && parsed.type !== "transferChecked") continue;
    if (parsed.info?.destination !== destination) continue;
    const who = parsed.info.authority ?? parsed.info.multisigAuthority;
    if (who) out.push(who);
  }
  return out;
}

/**
 * What `account` gained in `mint`, from the pre/post token balances (authoritative, whatever the
 * instruction mix). Amounts are integer strings; never floats.
 */
export function tokenDelta(tx: ParsedTransaction, account: string, mint: string): bigint {
  const index = tx.transaction.message.accountKeys.findIndex((k) => k.pubkey === account);
  if (index < 0) return 0n;
  const pick = (list: TokenBalance[] | undefined) =>
    list?.find((b) => b.accountIndex === index && b.mint === mint)?.uiTokenAmount.amount;
  const pre = BigInt(pick(tx.meta?.preTokenBalances) ?? "0");
  const post = BigInt(pick(tx.meta?.postTokenBalances) ?? "0");
  return post - pre;
}

/** `machpay:<user id>` in a memo names who a deposit is for. */
export function memoUserId(texts: string[]): bigint | null {
  for (const text of texts) {
    const m = /(?:^|\s|;)machpay:(\d{1,19})(?:$|\s|;)/.exec(text);
    // An id past int8 names nobody (and must not reach a bigint parameter).
    if (m && BigInt(m[1]!) <= INT8_MAX) return BigInt(m[1]!);
  }
  return null;
}
