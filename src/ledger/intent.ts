import { encodeBase58 } from "@/core/base58";
import { AppError } from "@/core/errors";
import { sha256Hex } from "@/core/hash";

// The gateway's signed payment intent (contract.md "Ledger"): 121 bytes, little-endian:
//   u8 0x01 | agent pubkey 32 | gateway pubkey 32 | mint 32 | amount u64 | nonce u64 | deadline i64

export const INTENT_LENGTH = 121;
export const INTENT_VERSION = 0x01;

export interface PaymentIntent {
  agentPubkey: string;
  gatewayPubkey: string;
  mint: string;
  amount: bigint;
  nonce: bigint;
  deadline: bigint;
  bytes: Uint8Array;
  /** sha256 hex of the 121 bytes: the transaction's hash. */
  hash: string;
}

const bad = (message: string) => new AppError("invalid_intent", message, { details: { issues: [{ field: "intent", location: "json", message }] } });

export function decodeIntent(bytes: Uint8Array): PaymentIntent {
  if (bytes.length !== INTENT_LENGTH) throw bad(`intent must be ${INTENT_LENGTH} bytes, got ${bytes.length}`);
  if (bytes[0] !== INTENT_VERSION) throw bad(`unknown intent version ${bytes[0]}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    agentPubkey: encodeBase58(bytes.subarray(1, 33)),
    gatewayPubkey: encodeBase58(bytes.subarray(33, 65)),
    mint: encodeBase58(bytes.subarray(65, 97)),
    amount: view.getBigUint64(97, true),
    nonce: view.getBigUint64(105, true),
    deadline: view.getBigInt64(113, true),
    bytes,
    hash: sha256Hex(bytes),
  };
}

export function encodeIntent(i: { agent: Uint8Array; gateway: Uint8Array; mint: Uint8Array; amount: bigint; nonce: bigint; deadline: bigint }): Uint8Array {
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
