import type { AssetAmount, Network, PaymentFlowConfig, PaymentRequirements, Price, SchemeNetworkServer, SupportedKind } from "@x402/core/types";
import { convertToTokenAmount, parseMoney } from "@x402/core/utils";
import { BATCH_SETTLEMENT, findUsdc, isMachPayNetwork, USDC_DECIMALS, usdcMintOf } from "./network";

// The resource server's side: x402ResourceServer.register("machpay:mainnet", new
// BatchSettlementServerScheme()). It turns a route's price into requirements: "$0.01" is USDC's
// atomic units on that MachPay network; payTo is the vendor's linked gateway key (base58), which
// the agent's intent names and the facilitator checks against the calling vendor.

export interface ServerOptions {
  /** The mint `$` prices mean (default: USDC of the network's cluster). */
  asset?: string;
  decimals?: number;
}

export class BatchSettlementServerScheme implements SchemeNetworkServer {
  readonly scheme = BATCH_SETTLEMENT;
  readonly defaultAssetTransferMethod = "default";
  // Verified before the handler and committed after it succeeded (authorization, the default), or
  // committed before it runs (upfront): a ledger commit is final either way, and never on chain.
  readonly paymentFlows: Readonly<Record<string, PaymentFlowConfig>> = {
    default: { supported: ["authorization", "upfront"], default: "authorization" },
  };

  constructor(private readonly options: ServerOptions = {}) {}

  getAssetDecimals(asset: string, network: Network): number | undefined {
    if (this.options.asset !== undefined && asset === this.options.asset) return this.options.decimals ?? USDC_DECIMALS;
    return findUsdc(asset, network)?.decimals;
  }

  async parsePrice(price: Price, network: Network): Promise<AssetAmount> {
    if (!isMachPayNetwork(network)) throw new Error(`${network} is not a MachPay network`);
    if (typeof price === "object" && price !== null) {
      if (!price.asset) throw new Error(`an AssetAmount on ${network} must name its asset (the mint)`);
      return { amount: price.amount, asset: price.asset, extra: price.extra ?? {} };
    }
    const { amount, symbol } = parseMoney(price);
    if (symbol !== undefined && symbol !== "USDC") throw new Error(`MachPay networks price in USDC, not ${symbol}`);
    const atomic = convertToTokenAmount(amount, this.options.decimals ?? USDC_DECIMALS);
    if (!/^\d+$/.test(atomic) || BigInt(atomic) < 1n) throw new Error(`${String(price)} is less than one atomic unit`);
    return { amount: atomic, asset: this.options.asset ?? usdcMintOf(network), extra: {} };
  }

  async enhancePaymentRequirements(requirements: PaymentRequirements, supportedKind: SupportedKind): Promise<PaymentRequirements> {
    // The facilitator's extra (the ledger's mint, the intent version) travels to the client as is.
    return { ...requirements, extra: { ...(supportedKind.extra ?? {}), ...requirements.extra } };
  }

  validateFacilitatorSupport(network: Network, supportedKind: SupportedKind): string | void {
    const mint = supportedKind.extra?.asset;
    const expected = this.options.asset ?? usdcMintOf(network);
    if (typeof mint === "string" && mint !== expected) return `${network}: the facilitator's ledger holds ${mint}, this server prices in ${expected}`;
  }
}
