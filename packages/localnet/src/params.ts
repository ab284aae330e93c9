import { base58Decode } from "./base58";
import type { Chain, Commitment } from "./chain";
import { RpcError, invalidParams } from "./rpc";

// Parameter checks with a node's -32602 wording (serde's "invalid type"/"unknown variant",
// agave's "Invalid param: ..."). Methods take positional params: [required..., {config}].

export type Config = Record<string, unknown>;

export function positional(params: unknown, required: number): unknown[] {
  if (params === undefined || params === null) params = [];
  if (!Array.isArray(params)) throw invalidParams("Invalid params: invalid type: map, expected a tuple");
  if (params.length < required) throw invalidParams(`Invalid params: invalid length ${params.length}, expected ${required === 1 ? "1 element" : `${required} elements`}`);
  return params;
}

export function config(value: unknown): Config {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) throw invalidParams("Invalid params: invalid type: expected a config object");
  return value as Config;
}

function decodedLength(text: unknown): number | null {
  if (typeof text !== "string" || text.length === 0 || text.length > 100) return null;
  try {
    return base58Decode(text).length;
  } catch {
    return null;
  }
}

export function pubkey(value: unknown): string {
  const len = decodedLength(value);
  if (len === null) throw invalidParams("Invalid param: Invalid");
  if (len !== 32) throw invalidParams("Invalid param: WrongSize");
  return value as string;
}

export function signature(value: unknown): string {
  const len = decodedLength(value);
  if (len === null) throw invalidParams("Invalid param: Invalid");
  if (len !== 64) throw invalidParams("Invalid param: WrongSize");
  return value as string;
}

const COMMITMENTS = ["processed", "confirmed", "finalized"] as const;

/** The commitment of a config; a node's default is finalized. */
export function commitment(cfg: Config, minimum: Commitment = "processed"): Commitment {
  const value = cfg.commitment ?? "finalized";
  if (typeof value !== "string" || !(COMMITMENTS as readonly string[]).includes(value)) {
    throw invalidParams(`Invalid params: unknown variant \`${String(value)}\`, expected one of \`processed\`, \`confirmed\`, \`finalized\``);
  }
  if (minimum === "confirmed" && value === "processed") throw invalidParams("Method does not support commitment below `confirmed`");
  return value as Commitment;
}

/** -32016 when the node has not reached the client's minContextSlot. */
export function checkMinContextSlot(chain: Chain, cfg: Config, at: Commitment): void {
  const min = cfg.minContextSlot;
  if (min === undefined || min === null) return;
  const slot = chain.slotAt(at);
  if (typeof min !== "number" || !Number.isInteger(min) || min < 0) throw invalidParams("Invalid params: invalid type: expected u64 for minContextSlot");
  if (BigInt(min) > slot) throw new RpcError(-32016, "Minimum context slot has not been reached", { contextSlot: slot });
}

/** A u64 given as a JSON number or a digit string. */
export function u64(value: unknown, name: string): bigint {
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  if (typeof value === "string" && /^\d{1,20}$/.test(value) && BigInt(value) <= 18446744073709551615n) return BigInt(value);
  throw invalidParams(`Invalid params: invalid type: expected u64 for ${name}`);
}

export function optionalBool(cfg: Config, key: string, fallback: boolean): boolean {
  const value = cfg[key];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== "boolean") throw invalidParams(`Invalid params: invalid type: expected a boolean for ${key}`);
  return value;
}

/** The `{context: {slot, apiVersion}, value}` wrapper of "context" methods. */
export const API_VERSION = "4.3.0";
export function withContext<T>(slot: bigint, value: T): { context: { apiVersion: string; slot: bigint }; value: T } {
  return { context: { apiVersion: API_VERSION, slot }, value };
}
