import { address, createSolanaRpc, signature, type Rpc, type SolanaRpcApi } from "@solana/kit";
import { AppError } from "@/core/errors";

// The chain port: the few JSON-RPC calls the backend makes, through @solana/kit against
// SOLANA_RPC (devnet, mainnet or the local chain), with every transport failure turned into a
// retryable 503 that names the cause, never a 500 and never a credit.

const TIMEOUT_MS = 10_000;

export interface ParsedInstruction {
  program?: string;
  programId: string;
  parsed?: unknown;
  accounts?: string[];
  data?: string;
}

export interface TokenBalance {
  accountIndex: number;
  mint: string;
  owner?: string;
  uiTokenAmount: { amount: string; decimals: number };
}

/** The slice of a jsonParsed getTransaction result the backend reads. */
export interface ParsedTransaction {
  slot: bigint;
  blockTime: bigint | null;
  meta: {
    err: unknown;
    preTokenBalances?: TokenBalance[];
    postTokenBalances?: TokenBalance[];
    innerInstructions?: { index: number; instructions: ParsedInstruction[] }[];
  } | null;
  transaction: {
    signatures: string[];
    message: { accountKeys: { pubkey: string; signer: boolean; writable: boolean }[]; instructions: ParsedInstruction[] };
  };
}

export interface SignatureInfo {
  signature: string;
  slot: bigint;
  err: unknown;
  memo: string | null;
  confirmationStatus: string | null;
}

export type Commitment = "confirmed" | "finalized";

function chainError(err: unknown): AppError {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  const status = (err as { context?: { statusCode?: number } }).context?.statusCode;
  if (status === 429 || /429|Too Many Requests/i.test(text)) {
    return new AppError("chain_rate_limited", "the Solana RPC is rate limiting us; retry shortly", { headers: { "Retry-After": "5" } });
  }
  if (/abort|timeout/i.test(text)) {
    return new AppError("chain_timeout", "the Solana RPC did not answer in time; retry shortly", { headers: { "Retry-After": "5" } });
  }
  return new AppError("chain_unavailable", "the Solana RPC is unreachable; retry shortly", { headers: { "Retry-After": "5" }, cause: err });
}

export class Chain {
  readonly rpc: Rpc<SolanaRpcApi>;

  constructor(readonly url: string) {
    this.rpc = createSolanaRpc(url);
  }

  /** Runs one RPC call with a timeout; transport failures become 503 AppErrors. */
  async call<T>(run: (signal: AbortSignal) => Promise<T>): Promise<T> {
    try {
      return await run(AbortSignal.timeout(TIMEOUT_MS));
    } catch (err) {
      if (err instanceof AppError) throw err;
      // JSON-RPC errors the server answered (bad params...) are not transport failures.
      const code = (err as { context?: { __code?: number } }).context?.__code;
      if (typeof code === "number" && code !== -32005) throw err;
      throw chainError(err);
    }
  }

  getTransaction(sig: string, commitment: Commitment): Promise<ParsedTransaction | null> {
    return this.call(async (abortSignal) => {
      const result = await this.rpc
        .getTransaction(signature(sig), { encoding: "jsonParsed", commitment, maxSupportedTransactionVersion: 0 })
        .send({ abortSignal });
      // SAFETY: the jsonParsed result has (at least) the fields of ParsedTransaction.
      return result as unknown as ParsedTransaction | null;
    });
  }

  async getSignatureStatus(sig: string): Promise<{ confirmationStatus: string | null; err: unknown; slot: bigint } | null> {
    return this.call(async (abortSignal) => {
      const { value } = await this.rpc.getSignatureStatuses([signature(sig)], { searchTransactionHistory: true }).send({ abortSignal });
      const status = value[0];
      return status ? { confirmationStatus: status.confirmationStatus ?? null, err: status.err, slot: status.slot } : null;
    });
  }

  getSignaturesForAddress(addr: string, options: { until?: string | undefined; before?: string | undefined; limit: number }): Promise<SignatureInfo[]> {
    return this.call(async (abortSignal) => {
      const rows = await this.rpc
        .getSignaturesForAddress(address(addr), {
          limit: options.limit,
          commitment: "finalized",
          ...(options.until ? { until: signature(options.until) } : {}),
          ...(options.before ? { before: signature(options.before) } : {}),
        })
        .send({ abortSignal });
      return rows.map((r) => ({ signature: r.signature, slot: r.slot, err: r.err, memo: r.memo, confirmationStatus: r.confirmationStatus ?? null }));
    });
  }

  getAccountOwner(addr: string): Promise<string | null> {
    return this.call(async (abortSignal) => {
      const { value } = await this.rpc.getAccountInfo(address(addr), { encoding: "base64" }).send({ abortSignal });
      return value ? value.owner : null;
    });
  }

  getBlockHeight(): Promise<bigint> {
    return this.call(async (abortSignal) => this.rpc.getBlockHeight({ commitment: "confirmed" }).send({ abortSignal }));
  }
}
