import type { PdaRefusalCode } from "@/core/errors";
import type { Ctx } from "@/db/context";

/**
 * The chain issue's check of an endpoint's on-chain proof: the PDA exists, is owned by
 * MACHPAY_PROGRAM_ID, and was created by the transaction. Injected (deps.pdaVerifier) so the
 * registry does not depend on the chain module; without it, proofs cannot be checked.
 */
export type PdaVerifier = (input: { pdaAddress: string; txSignature: string }) => Promise<{ ok: true } | { ok: false; code: PdaRefusalCode; message: string }>;

/** What the registry's write verbs need beyond the common context. */
export interface RegistryCtx extends Ctx {
  /** token_mint when a registration names none. */
  defaultMint: string;
  pdaVerifier: PdaVerifier | undefined;
  /** Called once a write is committed: wakes this instance's indexing worker. */
  afterWrite: () => void;
}
