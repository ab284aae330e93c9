import { getBase58Decoder, getBase64Decoder } from "@solana/kit";
import type { AccountSnapshot } from "./chain";
import type { Json } from "./json";
import { RpcError, invalidParams } from "./rpc";
import { decodeTokenData, parsedTokenData, TOKEN_2022_PROGRAM } from "./token";

// UiAccount as agave's account-decoder renders it: {data, executable, lamports, owner, rentEpoch,
// space}, data per encoding. Accounts are rent-exempt, whose rentEpoch a node reports as u64::MAX.

export type AccountEncoding = "binary" | "base58" | "base64" | "base64+zstd" | "jsonParsed";
export interface DataSlice {
  offset: number;
  length: number;
}

const RENT_EXEMPT_EPOCH = 18446744073709551615n;
const MAX_BASE58_BYTES = 128;
const b58 = getBase58Decoder();
const b64 = getBase64Decoder();

export function checkSliceAndEncoding(encoding: AccountEncoding, slice: DataSlice | undefined): void {
  if (slice && encoding === "jsonParsed") {
    throw invalidParams("Sliced account data can only be encoded using binary (base 58) or base64 encoding.");
  }
}

function binary(data: Uint8Array, encoding: Exclude<AccountEncoding, "jsonParsed">): Json {
  if (encoding === "binary" || encoding === "base58") {
    if (data.length > MAX_BASE58_BYTES) {
      throw new RpcError(-32600, `Encoded binary (base 58) data should be less than ${MAX_BASE58_BYTES} bytes, please use Base64 encoding.`);
    }
    return encoding === "binary" ? b58.decode(data) : [b58.decode(data), "base58"];
  }
  if (encoding === "base64+zstd") return [b64.decode(Bun.zstdCompressSync(data)), "base64+zstd"];
  return [b64.decode(data), "base64"];
}

export function encodeAccount(
  account: AccountSnapshot,
  encoding: AccountEncoding,
  slice: DataSlice | undefined,
  decimalsOf: (mint: string) => number | null,
): Json {
  let data: Json;
  if (encoding === "jsonParsed") {
    const parsed = parsedTokenData(decodeTokenData(account.owner, account.data), decimalsOf);
    data = parsed
      ? { program: account.owner === TOKEN_2022_PROGRAM ? "spl-token-2022" : "spl-token", parsed, space: account.data.length }
      : binary(account.data, "base64");
  } else {
    const bytes = slice ? account.data.subarray(slice.offset, slice.offset + slice.length) : account.data;
    data = binary(bytes, encoding);
  }
  return {
    data,
    executable: account.executable,
    lamports: account.lamports,
    owner: account.owner,
    rentEpoch: RENT_EXEMPT_EPOCH,
    space: account.data.length,
  };
}
