import { getBase58Decoder } from "@solana/kit";
import type { DeviceKey } from "./keyfile";

// What a device signs (contract.md "Onboarding"). The texts are the protocol, so they are spelled
// out here rather than imported from the server's modules: the CLI is a client of the contract.

export type DeviceKind = "agent" | "vendor";

const base58 = (bytes: Uint8Array) => getBase58Decoder().decode(bytes);

async function signText(key: DeviceKey, text: string): Promise<string> {
  return base58(await key.sign(new TextEncoder().encode(text)));
}

/** Proof of key possession for POST /v1/link/init. */
export async function linkInitProof(key: DeviceKey, kind: DeviceKind, timestamp: number) {
  const signature = await signText(key, `machpay-link-init:${kind}:${key.address}:${timestamp}`);
  return { pubkey: key.address, kind, timestamp, signature };
}

/**
 * `Authorization: Device <pubkey>:<timestamp>:<signature>` for a read. `url` is the full request
 * URL: the signature covers its path and query exactly as the server receives them.
 */
export async function deviceAuthorization(key: DeviceKey, method: string, url: string, timestamp: number): Promise<string> {
  const u = new URL(url);
  const signature = await signText(key, `machpay-device:${method.toUpperCase()}:${u.pathname}${u.search}:${timestamp}`);
  return `Device ${key.address}:${timestamp}:${signature}`;
}
