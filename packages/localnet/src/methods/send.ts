import { getBase64Decoder, getBase64Encoder } from "@solana/kit";
import { base58Decode } from "../base58";
import type { Chain } from "../chain";
import { encodeAccount, type AccountEncoding } from "../encode-account";
import { innerInstructionsJson, uiTokenBalances } from "../encode-tx";
import { PreflightFailure, simulate, submit, type SimulationOutcome } from "../execute";
import type { Json } from "../json";
import { checkMinContextSlot, commitment, config, optionalBool, positional, pubkey, withContext } from "../params";
import { RpcError, invalidParams, type Methods } from "../rpc";
import { tokenBalances } from "../balances";
import { SanitizeError, WireError } from "../wire";
import { mintDecimals } from "./accounts";

// sendTransaction and simulateTransaction, with a node's decode errors (-32602), signature
// failures (-32003) and preflight failures (-32002 carrying the simulation result as data).

const PACKET_DATA_SIZE = 1232;
const b64 = getBase64Encoder();
const b64text = getBase64Decoder();
const TX_TYPE = "solana_transaction::versioned::VersionedTransaction";

function wireBytes(data: unknown, encoding: unknown): Uint8Array {
  const enc = encoding ?? "base58";
  if (enc !== "base58" && enc !== "base64") throw invalidParams(`unsupported encoding: ${String(enc)}. Supported encodings: base58, base64`);
  if (typeof data !== "string") throw invalidParams("Invalid params: invalid type: expected a string transaction");
  const maxEncoded = enc === "base58" ? 1683 : 1644;
  if (data.length > maxEncoded) {
    throw invalidParams(`${enc} encoded ${TX_TYPE} too large: ${data.length} bytes (max: encoded/raw ${maxEncoded}/${PACKET_DATA_SIZE})`);
  }
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(enc === "base58" ? base58Decode(data) : b64.encode(data));
  } catch (err) {
    throw invalidParams(`invalid ${enc} encoding: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (bytes.length > PACKET_DATA_SIZE) {
    throw invalidParams(`decoded ${TX_TYPE} too large: ${bytes.length} bytes (max: ${PACKET_DATA_SIZE} bytes)`);
  }
  return bytes;
}

/** Maps the wire decoder's errors to a node's -32602 messages. */
function decodeErrors<T>(run: () => T): T {
  try {
    return run();
  } catch (err) {
    if (err instanceof SanitizeError) throw invalidParams(`invalid transaction: ${err.message}`);
    if (err instanceof WireError) throw invalidParams(`failed to deserialize ${TX_TYPE}: ${err.message}`);
    throw err;
  }
}

const signatureFailure = () => new RpcError(-32003, "Transaction signature verification failure");

/** RpcSimulateTransactionResult. */
function simulationValue(chain: Chain, sim: SimulationOutcome, accounts: Json[] | null, withInner: boolean): Json {
  const keys = sim.resolved?.keys ?? [];
  const ran = sim.executed && sim.resolved !== null;
  const decimals = mintDecimals(chain, "processed");
  return {
    err: sim.err?.json ?? null,
    logs: sim.logs,
    accounts,
    unitsConsumed: sim.unitsConsumed,
    returnData: sim.returnData ? { programId: sim.returnData.programId, data: [b64text.decode(sim.returnData.data), "base64"] } : null,
    innerInstructions: withInner ? innerInstructionsJson(sim.inner, keys, true) : null,
    replacementBlockhash: sim.replacementBlockhash,
    fee: ran ? sim.fee : null,
    preBalances: ran ? keys.map((k) => sim.pre.get(k)?.lamports ?? 0n) : null,
    postBalances: ran ? keys.map((k) => sim.post.get(k)?.lamports ?? 0n) : null,
    preTokenBalances: ran ? uiTokenBalances(tokenBalances(sim.tx, keys, sim.pre, decimals)) : null,
    postTokenBalances: ran ? uiTokenBalances(tokenBalances(sim.tx, keys, sim.post, decimals)) : null,
    loadedAddresses: sim.resolved ? sim.resolved.loaded : null,
  };
}

export function sendMethods(chain: Chain): Methods {
  return {
    sendTransaction: (params) => {
      const [data, cfgValue] = positional(params, 1);
      const cfg = config(cfgValue);
      const wire = wireBytes(data, cfg.encoding);
      const skipPreflight = optionalBool(cfg, "skipPreflight", false);
      const at = commitment({ commitment: cfg.preflightCommitment });
      checkMinContextSlot(chain, cfg, at);
      try {
        const outcome = decodeErrors(() => submit(chain, wire, { skipPreflight }));
        // Like a node, the signature comes back even when the transaction is then dropped.
        return outcome.landed ? outcome.record.signature : outcome.signature;
      } catch (err) {
        if (!(err instanceof PreflightFailure)) throw err;
        const sim = err.simulation;
        if (sim.err?.json === "SignatureFailure") throw signatureFailure();
        throw new RpcError(-32002, `Transaction simulation failed: ${sim.err?.text ?? ""}`, simulationValue(chain, sim, null, false));
      }
    },
    simulateTransaction: (params) => {
      const [data, cfgValue] = positional(params, 1);
      const cfg = config(cfgValue);
      const wire = wireBytes(data, cfg.encoding);
      const sigVerify = optionalBool(cfg, "sigVerify", false);
      const replaceRecentBlockhash = optionalBool(cfg, "replaceRecentBlockhash", false);
      if (sigVerify && replaceRecentBlockhash) throw invalidParams("sigVerify may not be used with replaceRecentBlockhash");
      const at = commitment(cfg);
      checkMinContextSlot(chain, cfg, at);
      const accountsCfg = config(cfg.accounts);
      const addresses = accountsCfg.addresses === undefined ? null : accountsCfg.addresses;
      if (addresses !== null && !Array.isArray(addresses)) throw invalidParams("Invalid params: invalid type: expected a sequence of pubkeys");
      const accountEncoding = (accountsCfg.encoding ?? "base64") as AccountEncoding;
      if (!["base64", "base64+zstd", "jsonParsed"].includes(accountEncoding)) throw invalidParams(`Invalid params: unsupported encoding: ${accountEncoding}`);
      const keys = addresses?.map(pubkey) ?? null;

      const sim = decodeErrors(() => simulate(chain, wire, { sigVerify, replaceRecentBlockhash }));
      if (sigVerify && sim.err?.json === "SignatureFailure") throw signatureFailure();
      const decimals = mintDecimals(chain, "processed");
      const accounts = keys?.map((k) => {
        const account = sim.post.has(k) ? sim.post.get(k)! : chain.liveAccount(k);
        return account ? encodeAccount(account, accountEncoding, undefined, decimals) : null;
      }) ?? null;
      return withContext(chain.slotAt(at), simulationValue(chain, sim, accounts, optionalBool(cfg, "innerInstructions", false)));
    },
  };
}
