import type { Output } from "./output";

// What every command gets from main.ts: settings resolved once from flags, environment and
// config.json, and the few effects (time, browser) passed in rather than reached for.

export interface CliContext {
  /** Base URL of the MachPay API, without a trailing slash. */
  apiUrl: string;
  /** $MACHPAY_HOME: config.json and the default key files live here. */
  home: string;
  /** $MACHPAY_API_KEY: an agent API key, the credential `machpay mcp` prefers. */
  apiKey?: string | undefined;
  /** The Solana RPC `agent deposit` sends through: --rpc, $MACHPAY_SOLANA_RPC, else the local chain's. */
  solanaRpc: string;
  out: Output;
  nowSeconds(): number;
  sleep(ms: number): Promise<void>;
  openUrl(url: string): Promise<boolean>;
}
