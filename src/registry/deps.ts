import type { BaseDeps, MayLagDeps } from "@/http/module";
import type { PdaVerifier } from "./ports";

/** What the registry module uses: the endpoint PDA proof (absent without a chain); listing and search may read a replica. */
export interface RegistryDeps extends BaseDeps, MayLagDeps {
  pdaVerifier: PdaVerifier | undefined;
}
