import type { Chain } from "../chain";
import { transactionResult, type TxEncoding } from "../encode-tx";
import type { Json } from "../json";
import { checkMinContextSlot, commitment, config, optionalBool, positional, pubkey, signature, withContext } from "../params";
import { RpcError, invalidParams, type Methods } from "../rpc";
import type { TxRecord } from "../store";

// Transaction history: getTransaction, getSignatureStatuses, getSignaturesForAddress, read from
// the shim's store and filtered by commitment the way a node's blockstore answers.

const TX_ENCODINGS: readonly string[] = ["json", "jsonParsed", "base64", "base58"];
const MAX_STATUSES = 256;
const MAX_SIGNATURES_LIMIT = 1000;
// A node's status cache (what getSignatureStatuses sees without searchTransactionHistory).
const STATUS_CACHE_SLOTS = 300n;

function status(chain: Chain, r: TxRecord): Json {
  const level = chain.statusOf(r.slot);
  return {
    slot: r.slot,
    confirmations: level === "finalized" ? null : chain.slotAt("processed") - r.slot,
    err: r.err,
    status: r.err === null ? { Ok: null } : { Err: r.err },
    confirmationStatus: level,
  };
}

/** Index of the first record with seq >= `seq` (lists are sorted by seq). */
function lowerBound(list: readonly TxRecord[], seq: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]!.seq < seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function historyMethods(chain: Chain): Methods {
  return {
    getTransaction: (params) => {
      const [sig, cfgValue] = positional(params, 1);
      const key = signature(sig);
      // The second param may be a bare encoding string (the deprecated form).
      const cfg = typeof cfgValue === "string" ? { encoding: cfgValue } : config(cfgValue);
      const encoding = cfg.encoding ?? "json";
      if (typeof encoding !== "string" || !TX_ENCODINGS.includes(encoding)) {
        throw invalidParams(`Invalid params: unknown variant \`${String(encoding)}\`, expected one of \`binary\`, \`base64\`, \`base58\`, \`json\`, \`jsonParsed\``);
      }
      const at = commitment(cfg, "confirmed");
      const maxVersion = cfg.maxSupportedTransactionVersion;
      if (maxVersion !== undefined && maxVersion !== null && (typeof maxVersion !== "number" || !Number.isInteger(maxVersion) || maxVersion < 0 || maxVersion > 255)) {
        throw invalidParams("Invalid params: invalid type: expected u8 for maxSupportedTransactionVersion");
      }
      const record = chain.store.get(key);
      if (!record || record.slot > chain.slotAt(at)) return null;
      const withVersion = maxVersion !== undefined && maxVersion !== null;
      if (record.version === 0 && !withVersion) {
        throw new RpcError(
          -32015,
          'Transaction version (0) is not supported by the requesting client. Please try the request again with the following configuration parameter: "maxSupportedTransactionVersion": 0',
        );
      }
      return transactionResult(record, encoding as TxEncoding, withVersion);
    },

    getSignatureStatuses: (params) => {
      const [sigs, cfgValue] = positional(params, 1);
      if (!Array.isArray(sigs)) throw invalidParams("Invalid params: invalid type: expected a sequence of signatures");
      if (sigs.length > MAX_STATUSES) throw invalidParams(`Too many inputs provided; max ${MAX_STATUSES}`);
      const keys = sigs.map(signature);
      const searchHistory = optionalBool(config(cfgValue), "searchTransactionHistory", false);
      const processed = chain.slotAt("processed");
      return withContext(
        processed,
        keys.map((k) => {
          const record = chain.store.get(k);
          if (!record) return null;
          if (!searchHistory && processed - record.slot > STATUS_CACHE_SLOTS) return null;
          return status(chain, record);
        }),
      );
    },

    getSignaturesForAddress: (params) => {
      const [address, cfgValue] = positional(params, 1);
      const key = pubkey(address);
      const cfg = config(cfgValue);
      const at = commitment(cfg, "confirmed");
      checkMinContextSlot(chain, cfg, at);
      const limit = cfg.limit ?? MAX_SIGNATURES_LIMIT;
      if (typeof limit !== "number" || !Number.isInteger(limit) || limit < 1 || limit > MAX_SIGNATURES_LIMIT) {
        throw invalidParams(`Invalid limit; max ${MAX_SIGNATURES_LIMIT}`);
      }
      const before = cfg.before === undefined || cfg.before === null ? null : signature(cfg.before);
      const until = cfg.until === undefined || cfg.until === null ? null : signature(cfg.until);
      const list = chain.store.forAddress(key);
      let end = list.length;
      if (before !== null) {
        const record = chain.store.get(before);
        // An unknown `before` gives nothing, as on a node.
        if (!record) return [];
        end = lowerBound(list, record.seq);
      }
      const untilSeq = until === null ? -1 : (chain.store.get(until)?.seq ?? -1);
      const visible = chain.slotAt(at);
      const out: Json[] = [];
      for (let i = end - 1; i >= 0 && out.length < limit; i--) {
        const r = list[i]!;
        if (r.seq <= untilSeq) break;
        if (r.slot > visible) continue;
        out.push({ signature: r.signature, slot: r.slot, err: r.err, memo: r.memo, blockTime: r.blockTime, confirmationStatus: chain.statusOf(r.slot) });
      }
      return out;
    },
  };
}
