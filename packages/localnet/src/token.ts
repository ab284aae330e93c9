import { isSome, type Option } from "@solana/kit";
import { AccountState, getMintDecoder, getTokenDecoder, TOKEN_PROGRAM_ADDRESS, type Mint, type Token } from "@solana-program/token";
import { Float, type Json } from "./json";

// SPL Token (and Token-2022 base layout) account decoding, and the UiTokenAmount shape of
// agave's account-decoder: {amount, decimals, uiAmount, uiAmountString}.

export const TOKEN_PROGRAM = TOKEN_PROGRAM_ADDRESS as string;
export const TOKEN_2022_PROGRAM = "TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb";
export const isTokenProgram = (owner: string) => owner === TOKEN_PROGRAM || owner === TOKEN_2022_PROGRAM;

const ACCOUNT_LEN = 165;
const MINT_LEN = 82;
const MULTISIG_LEN = 355;
// Token-2022 accounts with extensions carry their type at byte 165: 1 = mint, 2 = account.
const TYPE_MINT = 1;
const TYPE_ACCOUNT = 2;

const tokenDecoder = getTokenDecoder();
const mintDecoder = getMintDecoder();

export type TokenData = { kind: "account"; account: Token } | { kind: "mint"; mint: Mint } | { kind: "multisig" } | { kind: "unknown" };

export function decodeTokenData(owner: string, data: Uint8Array): TokenData {
  if (!isTokenProgram(owner)) return { kind: "unknown" };
  try {
    if (data.length === ACCOUNT_LEN || (owner === TOKEN_2022_PROGRAM && data.length > ACCOUNT_LEN && data[ACCOUNT_LEN] === TYPE_ACCOUNT)) {
      return { kind: "account", account: tokenDecoder.decode(data.subarray(0, ACCOUNT_LEN)) };
    }
    if (data.length === MINT_LEN || (owner === TOKEN_2022_PROGRAM && data.length > ACCOUNT_LEN && data[ACCOUNT_LEN] === TYPE_MINT)) {
      return { kind: "mint", mint: mintDecoder.decode(data.subarray(0, MINT_LEN)) };
    }
    if (owner === TOKEN_PROGRAM && data.length === MULTISIG_LEN) return { kind: "multisig" };
  } catch {
    // Malformed data is "not a token account", like a node's unpack failure.
  }
  return { kind: "unknown" };
}

/** A decimal string with trailing zeros trimmed: 1500000 with 6 decimals is "1.5". */
export function uiAmountString(amount: bigint, decimals: number): string {
  if (decimals === 0) return amount.toString();
  const digits = amount.toString().padStart(decimals + 1, "0");
  const whole = digits.slice(0, -decimals);
  const fraction = digits.slice(-decimals).replace(/0+$/, "");
  return fraction ? `${whole}.${fraction}` : whole;
}

export function uiTokenAmount(amount: bigint, decimals: number): Json {
  return {
    uiAmount: new Float(Number(amount) / 10 ** decimals),
    decimals,
    amount: amount.toString(),
    uiAmountString: uiAmountString(amount, decimals),
  };
}

const optionalAddress = (o: Option<string>): string | null => (isSome(o) ? o.value : null);

const STATE_NAMES: Record<number, string> = {
  [AccountState.Uninitialized]: "uninitialized",
  [AccountState.Initialized]: "initialized",
  [AccountState.Frozen]: "frozen",
};

/** The jsonParsed `parsed` object of a token account or mint; null when there is no parser for it. */
export function parsedTokenData(data: TokenData, decimalsOf: (mint: string) => number | null): Json | null {
  if (data.kind === "mint") {
    const m = data.mint;
    return {
      type: "mint",
      info: {
        mintAuthority: optionalAddress(m.mintAuthority),
        supply: m.supply.toString(),
        decimals: m.decimals,
        isInitialized: m.isInitialized,
        freezeAuthority: optionalAddress(m.freezeAuthority),
      },
    };
  }
  if (data.kind !== "account") return null;
  const a = data.account;
  const decimals = decimalsOf(a.mint);
  // A node cannot render an account whose mint is unknown; it falls back to binary.
  if (decimals === null) return null;
  const info: Record<string, Json | undefined> = {
    isNative: isSome(a.isNative),
    mint: a.mint,
    owner: a.owner,
    state: STATE_NAMES[a.state] ?? "uninitialized",
    tokenAmount: uiTokenAmount(a.amount, decimals),
  };
  if (isSome(a.delegate)) {
    info.delegate = a.delegate.value;
    info.delegatedAmount = uiTokenAmount(a.delegatedAmount, decimals);
  }
  if (isSome(a.isNative)) info.rentExemptReserve = uiTokenAmount(a.isNative.value, decimals);
  if (isSome(a.closeAuthority)) info.closeAuthority = a.closeAuthority.value;
  return { type: "account", info };
}
