import { createKeyPairSignerFromBytes, type KeyPairSigner } from "@solana/kit";
import type { Config } from "@/config";
import type { Chain } from "./rpc";

// Who the platform is on chain: its hot wallet (payouts' source, and the fee payer of x402's
// exact payments), and which cluster SOLANA_RPC serves, as CAIP-2 names it.

const signers = new WeakMap<Config, Promise<KeyPairSigner>>();

/** The hot wallet as a signer; undefined without HOT_WALLET_SECRET_KEY. Built once per configuration. */
export function hotWalletSigner(config: Config): Promise<KeyPairSigner> | undefined {
  const secret = config.HOT_WALLET_SECRET_KEY;
  if (!secret) return undefined;
  let signer = signers.get(config);
  if (!signer) {
    signer = createKeyPairSignerFromBytes(new Uint8Array(JSON.parse(secret) as number[]));
    signers.set(config, signer);
  }
  return signer;
}

const networks = new WeakMap<Chain, Promise<string>>();

/**
 * The cluster's CAIP-2 id, `solana:` + the first 32 characters of its genesis hash (the x402 and
 * CAIP-2 convention: solana:5eykt4Us... is mainnet). Asked once per Chain; a failed ask (a 503
 * AppError) is forgotten, so the next call asks again.
 */
export function clusterNetwork(chain: Chain): Promise<string> {
  let network = networks.get(chain);
  if (!network) {
    network = chain.call((abortSignal) => chain.rpc.getGenesisHash().send({ abortSignal })).then((hash) => `solana:${hash.slice(0, 32)}`);
    networks.set(chain, network);
    network.catch(() => networks.delete(chain));
  }
  return network;
}
