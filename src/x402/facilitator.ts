import { x402Facilitator } from "@x402/core/facilitator";
import type { Network } from "@x402/core/types";
import { toFacilitatorSvmSigner, type FacilitatorRpcClient } from "@x402/svm";
import { registerExactSvmScheme } from "@x402/svm/exact/facilitator";
import { clusterNetwork, hotWalletSigner } from "@/chain";
import type { Logger } from "@/core/logger";
import { BATCH_SETTLEMENT, BatchSettlementFacilitatorScheme, machpayNetwork } from "../../packages/x402-machpay";
import { batchLedger } from "./batch-ledger";
import type { X402Deps } from "./deps";
import type { SupportedAnswer } from "./schemas";

// The facilitator's two rails, built once per process:
// - batch-settlement on machpay:<cluster>, the package's facilitator scheme over the ledger;
// - exact on the Solana cluster SOLANA_RPC serves, @x402/svm's own scheme on @x402/core's
//   x402Facilitator, its fee payer the hot wallet. Built on first use (it asks the RPC for the
//   genesis hash that names the network); absent without SOLANA_RPC or HOT_WALLET_SECRET_KEY.

export interface ExactRail {
  facilitator: x402Facilitator;
  /** solana:<genesis hash, 32 characters>. */
  network: string;
  feePayer: string;
}

export interface Facilitator {
  batch: BatchSettlementFacilitatorScheme;
  batchNetwork: string;
  /** The exact rail, or undefined when this server is not configured for it. A 503 AppError while the RPC is unreachable. */
  exact(): Promise<ExactRail | undefined>;
  supported(): Promise<SupportedAnswer>;
}

async function buildExact(deps: X402Deps, log: Logger): Promise<ExactRail | undefined> {
  const signerPromise = hotWalletSigner(deps.config);
  if (!deps.chain || !signerPromise) return undefined;
  let signer;
  try {
    signer = await signerPromise;
  } catch (err) {
    // A key whose halves do not belong together: exact stays off (a bad key does not heal by retrying).
    log.error("HOT_WALLET_SECRET_KEY is not a valid keypair; x402 exact is off", { err });
    return undefined;
  }
  const network = await clusterNetwork(deps.chain);
  // SAFETY: Chain.rpc is kit's Rpc<SolanaRpcApi>; the cluster-branded client types the library
  // names are that same API. Every network (x402 v1 names included) goes to SOLANA_RPC: the hot
  // wallet never signs for a cluster this server was not pointed at.
  const rpc = deps.chain.rpc as unknown as FacilitatorRpcClient;
  const svm = toFacilitatorSvmSigner(signer, { [network]: rpc, "*": rpc });
  const facilitator = registerExactSvmScheme(new x402Facilitator(), { signer: svm, networks: network as Network });
  return { facilitator, network, feePayer: signer.address };
}

export function createFacilitator(deps: X402Deps, log: Logger): Facilitator {
  const batchNetwork = machpayNetwork(deps.config.SOLANA_CLUSTER);
  const batch = new BatchSettlementFacilitatorScheme(batchLedger, {
    extra: { asset: deps.config.USDC_MINT },
    now: () => deps.clock.now().getTime(),
  });
  let exact: Promise<ExactRail | undefined> | undefined;
  const facilitator: Facilitator = {
    batch,
    batchNetwork,
    exact() {
      // A failed build (the RPC unreachable) is forgotten: the next request tries again.
      exact ??= buildExact(deps, log).catch((err: unknown) => {
        exact = undefined;
        throw err;
      });
      return exact;
    },
    async supported() {
      const kinds: SupportedAnswer["kinds"] = [{ x402Version: 2, scheme: BATCH_SETTLEMENT, network: batchNetwork, extra: { asset: deps.config.USDC_MINT } }];
      const signers: SupportedAnswer["signers"] = {};
      try {
        const rail = await facilitator.exact();
        if (rail) {
          // Version 2 on this server's cluster only (registerExactSvmScheme also registers x402 v1 names).
          kinds.push(...rail.facilitator.getSupported().kinds.filter((k) => k.x402Version === 2 && k.network === rail.network));
          signers["solana:*"] = [rail.feePayer];
        }
      } catch (err) {
        // The RPC is down: batch-settlement still works, exact is listed again once it answers.
        log.warn("x402 exact rail unavailable; /x402/supported lists batch-settlement only", { err });
      }
      return { kinds, extensions: [], signers };
    },
  };
  return facilitator;
}
