import type { BaseDeps } from "@/http/module";
import type { Chain } from "./rpc";

/** What the chain module uses: the Solana RPC (absent when SOLANA_RPC is not configured). */
export interface ChainDeps extends BaseDeps {
  chain: Chain | undefined;
}
