import type { PaymentPayloadContext, PaymentPayloadResult, PaymentRequirements, SchemeNetworkClient } from "@x402/core/types";
import { atomicAmount, type BatchSettlementPayload } from "./commitment";
import { base58Bytes, base58Encode, base64Encode } from "./encoding";
import { encodeIntent, randomNonce } from "./intent";
import { BATCH_SETTLEMENT, findUsdc, isMachPayNetwork } from "./network";

// The agent's side: x402Client.register("machpay:*", new BatchSettlementClientScheme(signer)).
// For batch-settlement requirements it signs a MachPay payment intent with the agent's linked key:
// the gateway (payTo), the mint (asset), the amount, a fresh random nonce and a deadline
// maxTimeoutSeconds away. Nothing is sent anywhere: the resource server's facilitator verifies it
// and commits it in the ledger.

/** The agent's linked MachPay key. */
export interface IntentSigner {
  /** Its public key, base58. */
  readonly address: string;
  /** Ed25519 signature (64 bytes) of the intent bytes. */
  signIntent(bytes: Uint8Array): Promise<Uint8Array>;
}

/** An IntentSigner from a @solana/kit KeyPairSigner (createKeyPairSignerFromBytes of the agent's secret_key.json). */
export function intentSignerFromKeyPair(signer: { address: string; keyPair: CryptoKeyPair }): IntentSigner {
  return {
    address: signer.address,
    async signIntent(bytes) {
      return new Uint8Array(await crypto.subtle.sign("Ed25519", signer.keyPair.privateKey, new Uint8Array(bytes)));
    },
  };
}

export interface ClientOptions {
  /** Wall clock in ms (deadlines). */
  now?: () => number;
  /** The intent's nonce (random u64 by default). */
  nonce?: () => bigint;
  /** The longest deadline signed, whatever maxTimeoutSeconds asks. Default 600 s. */
  maxDeadlineSeconds?: number;
}

export class BatchSettlementClientScheme implements SchemeNetworkClient {
  readonly scheme = BATCH_SETTLEMENT;
  readonly findDefaultAsset = findUsdc;

  constructor(
    private readonly signer: IntentSigner,
    private readonly options: ClientOptions = {},
  ) {}

  async createPaymentPayload(x402Version: number, requirements: PaymentRequirements, context?: PaymentPayloadContext): Promise<PaymentPayloadResult> {
    if (x402Version !== 2) throw new Error(`batch-settlement is an x402 version 2 scheme (asked for version ${x402Version})`);
    if (requirements.scheme !== BATCH_SETTLEMENT || !isMachPayNetwork(requirements.network)) {
      throw new Error(`not a MachPay batch-settlement requirement: ${requirements.scheme} on ${requirements.network}`);
    }
    const amount = atomicAmount(requirements.amount);
    if (amount === undefined) throw new Error(`requirements.amount must be atomic units (digits), got ${JSON.stringify(requirements.amount)}`);
    // x402Client resolved the agent's spend cap for this asset: never sign above it.
    if (context?.maxAmountPerPayment !== undefined && amount > BigInt(context.maxAmountPerPayment)) {
      throw new Error(`${amount} atomic units is above this client's cap of ${context.maxAmountPerPayment}`);
    }
    const gateway = base58Bytes(requirements.payTo, 32);
    const mint = base58Bytes(requirements.asset, 32);
    if (!gateway || !mint) throw new Error("payTo (the vendor's gateway key) and asset (the mint) must be base58 keys of 32 bytes");
    const agent = base58Bytes(this.signer.address, 32);
    if (!agent) throw new Error("the signer's address must be a base58 key of 32 bytes");

    const nowSeconds = Math.floor((this.options.now ?? Date.now)() / 1000);
    const timeout = Math.min(Math.max(1, Math.floor(requirements.maxTimeoutSeconds)), this.options.maxDeadlineSeconds ?? 600);
    const bytes = encodeIntent({ agent, gateway, mint, amount, nonce: (this.options.nonce ?? randomNonce)(), deadline: BigInt(nowSeconds + timeout) });
    const signature = await this.signer.signIntent(bytes);
    const payload: BatchSettlementPayload = { intent: base64Encode(bytes), signature: base58Encode(signature) };
    return { x402Version, payload: { ...payload } };
  }
}
