// Payment fixtures for benchmarks and fault runs, written straight into a fresh database: agents
// with API keys, linked device keys and a deposited balance; vendors with gateway keys and device keys.
import { generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import { getBase58Decoder } from "@solana/kit";
import { unixSeconds } from "@/core/clock";
import { randomBase62 } from "@/core/ids";
import { base58Bytes } from "@/core/solana";
import type { Sql } from "@/db/client";
import { creditDeposit, encodeIntent } from "@/ledger";

export interface Device {
  privateKey: KeyObject;
  pubkey: string;
}
export interface BenchAgent {
  id: bigint;
  /** mp_sk_live_... API key. */
  key: string;
  device: Device;
}
export interface BenchVendor {
  id: bigint;
  /** mp_gk_live_... gateway key. */
  gatewayKey: string;
  device: Device;
}

const b58 = getBase58Decoder();

function ed25519(): Device {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const raw = publicKey.export({ format: "jwk" }).x!;
  return { privateKey, pubkey: b58.decode(Buffer.from(raw, "base64url")) };
}

export interface FixtureOptions {
  agents: number;
  vendors: number;
  /** Deposited into every agent, in atomic units. */
  balance: bigint;
  mint: string;
  /** The server's key hashing (createSecrets with the same API_KEY_PEPPER). */
  secrets: { hmac(text: string): string };
}

export async function createPaymentFixtures(sql: Sql, o: FixtureOptions): Promise<{ agents: BenchAgent[]; vendors: BenchVendor[] }> {
  async function user(role: string, type: "agent" | "vendor", i: number) {
    const [u] = await sql<{ id: bigint }[]>`INSERT INTO users (email, role) VALUES (${`${type}${i}@bench.test`}, ${role}) RETURNING id`;
    const vendor = type === "vendor";
    await sql`
      INSERT INTO profiles (user_id, type, name, service_type, withdrawal_address, base_price_atomic)
      VALUES (${u!.id}, ${type}, ${`${type} ${i}`}, ${vendor ? "llm" : null}, ${vendor ? "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin" : null}, ${vendor ? 1000n : null})`;
    return u!.id;
  }
  async function apiKey(userId: bigint, kind: "agent" | "gateway") {
    const key = `mp_${kind === "agent" ? "sk" : "gk"}_live_${randomBase62(32)}`;
    await sql`INSERT INTO api_keys (user_id, kind, name, prefix, hash) VALUES (${userId}, ${kind}, 'bench', ${key.slice(0, 15)}, ${o.secrets.hmac(key)})`;
    return key;
  }

  const vendors: BenchVendor[] = [];
  for (let i = 0; i < o.vendors; i++) {
    const id = await user("operator", "vendor", i);
    const device = ed25519();
    await sql`INSERT INTO device_keys (pubkey, kind, user_id) VALUES (${device.pubkey}, 'vendor', ${id})`;
    vendors.push({ id, gatewayKey: await apiKey(id, "gateway"), device });
  }
  const agents: BenchAgent[] = [];
  for (let i = 0; i < o.agents; i++) {
    const id = await user("architect", "agent", i);
    const device = ed25519();
    await sql`INSERT INTO device_keys (pubkey, kind, user_id) VALUES (${device.pubkey}, 'agent', ${id})`;
    await creditDeposit({ sql }, { userId: id, amount: o.balance, mint: o.mint, txSignature: null, source: "internal" });
    agents.push({ id, key: await apiKey(id, "agent"), device });
  }
  return { agents, vendors };
}

/** A gateway payment intent signed by the agent's device key: the `intent` and `signature` of the request body. */
export function signIntent(agent: BenchAgent, vendor: BenchVendor, mint: string, amount: bigint, nonce: bigint): { intent: string; signature: string } {
  const bytes = encodeIntent({
    agent: base58Bytes(agent.device.pubkey),
    gateway: base58Bytes(vendor.device.pubkey),
    mint: base58Bytes(mint),
    amount,
    nonce,
    deadline: BigInt(unixSeconds(new Date()) + 3600),
  });
  return { intent: Buffer.from(bytes).toString("base64"), signature: b58.decode(sign(null, bytes, agent.device.privateKey)) };
}
