import { getBase64Encoder } from "@solana/kit";
import { feeOf } from "../balances";
import type { Chain } from "../chain";
import type { Methods } from "../rpc";
import { invalidParams } from "../rpc";
import { API_VERSION, checkMinContextSlot, commitment, config, positional, u64, withContext } from "../params";
import { decodeWireTransaction } from "../wire";

// Slots, blockhashes and node facts: getLatestBlockhash, getSlot, getBlockHeight, getEpochInfo,
// getHealth, getVersion, getGenesisHash, getMinimumBalanceForRentExemption, isBlockhashValid,
// getFeeForMessage, getTransactionCount.

const FEATURE_SET = 3640012085;
const b64 = getBase64Encoder();

function epochOf(chain: Chain, slot: bigint) {
  const schedule = chain.svm.getEpochSchedule();
  // The chain starts far past the warmup epochs, so only the normal-epoch formula is needed.
  const sinceNormal = slot > schedule.firstNormalSlot ? slot - schedule.firstNormalSlot : 0n;
  return {
    epoch: schedule.firstNormalEpoch + sinceNormal / schedule.slotsPerEpoch,
    slotIndex: sinceNormal % schedule.slotsPerEpoch,
    slotsInEpoch: schedule.slotsPerEpoch,
  };
}

export function clusterMethods(chain: Chain): Methods {
  /** Methods whose only param is an optional {commitment, minContextSlot}. */
  const atCommitment = (params: unknown) => {
    const cfg = config(positional(params, 0)[0]);
    const at = commitment(cfg);
    checkMinContextSlot(chain, cfg, at);
    return at;
  };

  return {
    getLatestBlockhash: (params) => {
      const at = atCommitment(params);
      const { blockhash, lastValidBlockHeight, slot } = chain.latestBlockhash(at);
      return withContext(slot, { blockhash, lastValidBlockHeight });
    },
    getSlot: (params) => chain.slotAt(atCommitment(params)),
    // Block height equals slot here: no slot is ever skipped.
    getBlockHeight: (params) => chain.slotAt(atCommitment(params)),
    getEpochInfo: (params) => {
      const slot = chain.slotAt(atCommitment(params));
      return { absoluteSlot: slot, blockHeight: slot, ...epochOf(chain, slot), transactionCount: chain.transactionCount };
    },
    getTransactionCount: (params) => {
      atCommitment(params);
      return chain.transactionCount;
    },
    getHealth: () => "ok",
    getVersion: () => ({ "solana-core": API_VERSION, "feature-set": FEATURE_SET }),
    getGenesisHash: () => chain.genesisHash,
    getMinimumBalanceForRentExemption: (params) => {
      const [len, cfg] = positional(params, 1);
      commitment(config(cfg));
      return chain.svm.minimumBalanceForRentExemption(u64(len, "data length"));
    },
    isBlockhashValid: (params) => {
      const [blockhash, cfg] = positional(params, 1);
      if (typeof blockhash !== "string") throw invalidParams("Invalid params: invalid type: expected a blockhash string");
      const c = config(cfg);
      const at = commitment(c);
      checkMinContextSlot(chain, c, at);
      return withContext(chain.slotAt(at), chain.isBlockhashValid(blockhash, chain.slotAt("processed")));
    },
    getFeeForMessage: (params) => {
      const [message, cfg] = positional(params, 1);
      const c = config(cfg);
      const at = commitment(c);
      checkMinContextSlot(chain, c, at);
      if (typeof message !== "string") throw invalidParams("Invalid params: invalid type: expected a base64 message");
      let tx;
      try {
        const bytes = new Uint8Array(b64.encode(message));
        const versioned = (bytes[0] ?? 0) & 0x80;
        const sigs = bytes[versioned ? 1 : 0] ?? 0;
        // Wrap the message as an unsigned transaction so the one wire decoder reads it.
        const wire = new Uint8Array(1 + 64 * sigs + bytes.length);
        wire[0] = sigs;
        wire.set(bytes, 1 + 64 * sigs);
        tx = decodeWireTransaction(wire);
      } catch {
        throw invalidParams("invalid transaction message");
      }
      const value = chain.isBlockhashValid(tx.recentBlockhash, chain.slotAt("processed")) ? feeOf(tx) : null;
      return withContext(chain.slotAt(at), value);
    },
  };
}
