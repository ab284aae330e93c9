import type { Chain, Commitment } from "../chain";
import { checkSliceAndEncoding, encodeAccount, type AccountEncoding, type DataSlice } from "../encode-account";
import type { Methods } from "../rpc";
import { invalidParams } from "../rpc";
import { checkMinContextSlot, commitment, config, positional, pubkey, withContext, type Config } from "../params";
import { decodeTokenData, uiTokenAmount } from "../token";

// Account reads at a commitment: getAccountInfo, getMultipleAccounts, getBalance,
// getTokenAccountBalance (with agave's -32602 "Invalid param: ..." errors).

const ENCODINGS: readonly AccountEncoding[] = ["binary", "base58", "base64", "base64+zstd", "jsonParsed"];
const MAX_MULTIPLE_ACCOUNTS = 100;

function accountEncoding(cfg: Config): { encoding: AccountEncoding; slice: DataSlice | undefined } {
  const encoding = cfg.encoding ?? "binary";
  if (typeof encoding !== "string" || !(ENCODINGS as readonly string[]).includes(encoding)) {
    throw invalidParams(`Invalid params: unknown variant \`${String(encoding)}\`, expected one of \`binary\`, \`base58\`, \`base64\`, \`jsonParsed\`, \`base64+zstd\``);
  }
  let slice: DataSlice | undefined;
  if (cfg.dataSlice !== undefined && cfg.dataSlice !== null) {
    const { offset, length } = cfg.dataSlice as Partial<DataSlice>;
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset! < 0 || length! < 0) {
      throw invalidParams("Invalid params: invalid type: expected {offset, length} for dataSlice");
    }
    slice = { offset: offset!, length: length! };
  }
  checkSliceAndEncoding(encoding as AccountEncoding, slice);
  return { encoding: encoding as AccountEncoding, slice };
}

export function mintDecimals(chain: Chain, at: Commitment) {
  return (mint: string): number | null => {
    const account = chain.account(mint, at);
    if (!account) return null;
    const decoded = decodeTokenData(account.owner, account.data);
    return decoded.kind === "mint" ? decoded.mint.decimals : null;
  };
}

export function accountMethods(chain: Chain): Methods {
  const prelude = (cfgValue: unknown) => {
    const cfg = config(cfgValue);
    const at = commitment(cfg);
    checkMinContextSlot(chain, cfg, at);
    return { cfg, at };
  };

  return {
    getAccountInfo: (params) => {
      const [address, cfgValue] = positional(params, 1);
      const key = pubkey(address);
      const { cfg, at } = prelude(cfgValue);
      const { encoding, slice } = accountEncoding(cfg);
      const account = chain.account(key, at);
      return withContext(chain.slotAt(at), account ? encodeAccount(account, encoding, slice, mintDecimals(chain, at)) : null);
    },
    getMultipleAccounts: (params) => {
      const [addresses, cfgValue] = positional(params, 1);
      if (!Array.isArray(addresses)) throw invalidParams("Invalid params: invalid type: expected a sequence of pubkeys");
      if (addresses.length > MAX_MULTIPLE_ACCOUNTS) throw invalidParams(`Too many inputs provided; max ${MAX_MULTIPLE_ACCOUNTS}`);
      const keys = addresses.map(pubkey);
      const { cfg, at } = prelude(cfgValue);
      const { encoding, slice } = accountEncoding(cfg);
      const decimals = mintDecimals(chain, at);
      return withContext(
        chain.slotAt(at),
        keys.map((k) => {
          const account = chain.account(k, at);
          return account ? encodeAccount(account, encoding, slice, decimals) : null;
        }),
      );
    },
    getBalance: (params) => {
      const [address, cfgValue] = positional(params, 1);
      const key = pubkey(address);
      const { at } = prelude(cfgValue);
      return withContext(chain.slotAt(at), chain.account(key, at)?.lamports ?? 0n);
    },
    getTokenAccountBalance: (params) => {
      const [address, cfgValue] = positional(params, 1);
      const key = pubkey(address);
      const { at } = prelude(cfgValue);
      const account = chain.account(key, at);
      if (!account) throw invalidParams("Invalid param: could not find account");
      const decoded = decodeTokenData(account.owner, account.data);
      if (decoded.kind !== "account") throw invalidParams("Invalid param: not a Token account");
      const decimals = mintDecimals(chain, at)(decoded.account.mint);
      if (decimals === null) throw invalidParams("Invalid param: could not find mint");
      return withContext(chain.slotAt(at), uiTokenAmount(decoded.account.amount, decimals));
    },
  };
}
