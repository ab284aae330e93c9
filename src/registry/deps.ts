import type { BaseDeps } from "@/http/module";
import type { PdaVerifier } from "./ports";

/** What the registry module uses: the endpoint PDA proof (absent without a chain). */
export interface RegistryDeps extends BaseDeps {
  pdaVerifier: PdaVerifier | undefined;
}
