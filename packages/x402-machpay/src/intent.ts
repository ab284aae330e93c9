import { base58Encode } from "./encoding";

// The commitment of MachPay's batch-settlement binding: MachPay's signed payment intent, unchanged
// (the same bytes POST /v1/gateway/payments takes), 121 bytes, little-endian:
//   u8 0x01 | agent pubkey 32 | gateway pubkey 32 | mint 32 | amount u64 | nonce u64 | deadline i64
// signed with Ed25519 by the agent's linked key. Each x402 field the facilitator checks has its
// place: asset = mint, amount = amount, payTo = gateway pubkey, maxTimeoutSeconds bounds the
// deadline; the network is the ledger that holds the agent's key (docs/x402-batch-settlement-machpay.md).

export const INTENT_LENGTH = 121;
export const INTENT_VERSION = 0x01;
export const U64_MAX = 2n ** 64n - 1n;
/** Amounts are int8 in the ledger: at most 2^63 - 1 atomic units. */
export const AMOUNT_MAX = 2n ** 63n - 1n;

export interface Intent {
  agent: string;
  gateway: string;
  mint: string;
  amount: bigint;
  nonce: bigint;
  /** Unix seconds after which the intent is void. */
  deadline: bigint;
}

export function encodeIntent(i: { agent: Uint8Array; gateway: Uint8Array; mint: Uint8Array; amount: bigint; nonce: bigint; deadline: bigint }): Uint8Array {
  if (i.agent.length !== 32 || i.gateway.length !== 32 || i.mint.length !== 32) throw new RangeError("keys and mint are 32 bytes each");
  if (i.amount < 1n || i.amount > AMOUNT_MAX) throw new RangeError("amount must be between 1 and 2^63 - 1 atomic units");
  if (i.nonce < 0n || i.nonce > U64_MAX) throw new RangeError("nonce must be a u64");
  const out = new Uint8Array(INTENT_LENGTH);
  const view = new DataView(out.buffer);
  out[0] = INTENT_VERSION;
  out.set(i.agent, 1);
  out.set(i.gateway, 33);
  out.set(i.mint, 65);
  view.setBigUint64(97, i.amount, true);
  view.setBigUint64(105, i.nonce, true);
  view.setBigInt64(113, i.deadline, true);
  return out;
}

/** The fields of 121 intent bytes; undefined for another length or version. */
export function decodeIntent(bytes: Uint8Array): Intent | undefined {
  if (bytes.length !== INTENT_LENGTH || bytes[0] !== INTENT_VERSION) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    agent: base58Encode(bytes.subarray(1, 33)),
    gateway: base58Encode(bytes.subarray(33, 65)),
    mint: base58Encode(bytes.subarray(65, 97)),
    amount: view.getBigUint64(97, true),
    nonce: view.getBigUint64(105, true),
    deadline: view.getBigInt64(113, true),
  };
}

/** A random u64: the agent's nonce. The ledger spends (agent key, nonce) once, whatever carries it. */
export function randomNonce(): bigint {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return new DataView(bytes.buffer).getBigUint64(0, true);
}
