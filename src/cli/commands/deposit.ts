import { address, createSolanaRpc, lamports, type Instruction, type KeyPairSigner } from "@solana/kit";
import { signInstructions } from "@/core/solana-tx";
import { getAddMemoInstruction } from "@solana-program/memo";
import { findAssociatedTokenPda, getTransferCheckedInstruction, TOKEN_PROGRAM_ADDRESS } from "@solana-program/token";
import { send, type Api } from "../api";
import type { CliContext } from "../context";
import { ApiError, CliError } from "../errors";
import { ensureKey, loadSigner } from "../keyfile";
import { parseUsdc, showUsdc } from "../money";
import { accountApi } from "../session";
import { warnIfLoose } from "./device";
import { walletPath } from "./wallet-login";

// `machpay agent deposit <usdc>`: USDC into the agent's MachPay balance. On the local chain of
// `npm run dev` it does everything: the faucet (machpay_mintTo, requestAirdrop for fees) funds the
// wallet key, a real SPL transferChecked moves the USDC to the vault with the account's memo, the
// CLI follows its confirmations and claims it by signature (POST /v1/agent/deposit). Elsewhere,
// `--tx <signature>` claims a transfer the user sent (to the address `agent deposit-address` shows).

const CONFIRM_TIMEOUT_MS = 120_000;

export async function depositCommand(ctx: CliContext, amount: string | undefined, options: { tx: string | undefined; keypair: string | undefined }) {
  const { api } = accountApi(ctx);
  let signature = options.tx;
  if (signature === undefined) {
    const atomic = BigInt(parseUsdc(amount, "the amount"));
    signature = await depositOnLocalChain(ctx, api, atomic, options.keypair);
  } else if (amount !== undefined) {
    ctx.out.warn(`the amount ${amount} is ignored with --tx: the transaction says how much was sent`);
  }
  // Our own transfer may not be visible to the API's RPC yet; a signature given by hand is looked up once.
  const claimed = await claim(ctx, api, signature, options.tx === undefined);
  ctx.out.result({ ...claimed }, [
    // already_credited: the server's vault watcher saw the transfer before this claim, or it was claimed before.
    `Credited: ${showUsdc(claimed.amount_atomic, "amount_atomic")}${claimed.status === "credited" ? "" : " (already: the vault's watcher saw it first, or it was claimed before)"} (tx ${claimed.tx_signature})`,
    `Available: ${showUsdc(claimed.balance.available_atomic, "available_atomic")}`,
  ]);
}

async function depositOnLocalChain(ctx: CliContext, api: Api, atomic: bigint, keypair: string | undefined): Promise<string> {
  const target = await send(api, api.client.GET("/v1/agent/deposit-address", api.init()));
  const path = walletPath(ctx, keypair);
  const { key, created } = await ensureKey(path);
  warnIfLoose(ctx, key);
  if (created) ctx.out.say(`Created a new wallet key: ${path}`);
  const signer = await loadSigner(path);
  const rpcUrl = ctx.solanaRpc;
  const rpc = createSolanaRpc(rpcUrl);

  ctx.out.say(`Faucet: minting ${showUsdc(atomic.toString(), "amount")} to ${signer.address} on ${rpcUrl}`);
  await faucet(rpcUrl, signer.address, atomic, target.token_mint);
  await rpc.requestAirdrop(signer.address, lamports(1_000_000_000n)).send().catch((err: unknown) => {
    throw chainError(rpcUrl, err);
  });

  const [source] = await findAssociatedTokenPda({ owner: signer.address, mint: address(target.token_mint), tokenProgram: TOKEN_PROGRAM_ADDRESS });
  const signature = await transfer(rpcUrl, signer, [
    getTransferCheckedInstruction({
      source,
      mint: address(target.token_mint),
      destination: address(target.vault_token_account),
      authority: signer,
      amount: atomic,
      decimals: target.decimals,
    }),
    // The memo names the account, so the deposit is ours whichever wallet sent it.
    getAddMemoInstruction({ memo: target.memo }),
  ]);
  ctx.out.say(`Sent ${showUsdc(atomic.toString(), "amount")} to the vault ${target.vault_token_account}: ${signature}`);
  await waitFinalized(ctx, rpcUrl, signature);
  return signature;
}

/** The local chain's faucet; a chain without it is not the local one: say what to do instead. */
async function faucet(rpcUrl: string, owner: string, atomic: bigint, mint: string) {
  let body: { error?: { message?: string; code?: number } };
  try {
    const res = await fetch(rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "machpay_mintTo", params: { owner, amount_atomic: atomic.toString() } }),
      signal: AbortSignal.timeout(30_000),
    });
    body = (await res.json()) as typeof body;
  } catch (err) {
    throw chainError(rpcUrl, err);
  }
  if (body.error?.code === -32601) {
    throw new CliError(
      `${rpcUrl} has no faucet (machpay_mintTo): it is not the local chain of \`npm run dev\`. Send USDC (mint ${mint}) to the address of \`machpay agent deposit-address\` yourself, then run \`machpay agent deposit --tx <signature>\``,
      "not_local_chain",
    );
  }
  if (body.error) throw new CliError(`the local chain's faucet refused: ${body.error.message ?? JSON.stringify(body.error)}`, "faucet_failed");
}

async function transfer(rpcUrl: string, payer: KeyPairSigner, instructions: readonly Instruction[]): Promise<string> {
  const rpc = createSolanaRpc(rpcUrl);
  try {
    const { value: lifetime } = await rpc.getLatestBlockhash({ commitment: "confirmed" }).send();
    const { signature, wire } = await signInstructions(payer, lifetime, instructions);
    await rpc.sendTransaction(wire, { encoding: "base64" }).send();
    return signature;
  } catch (err) {
    throw chainError(rpcUrl, err);
  }
}

/** Follows the transaction to finalized, showing each change of its confirmations. */
async function waitFinalized(ctx: CliContext, rpcUrl: string, signature: string) {
  const rpc = createSolanaRpc(rpcUrl);
  const giveUpAt = Date.now() + CONFIRM_TIMEOUT_MS;
  let shown = "";
  for (;;) {
    const { value } = await rpc.getSignatureStatuses([signature as Parameters<typeof rpc.getSignatureStatuses>[0][number]]).send().catch((err: unknown) => {
      throw chainError(rpcUrl, err);
    });
    const status = value[0];
    if (status?.err) throw new CliError(`the transfer ${signature} failed on chain: ${JSON.stringify(status.err)}`, "transaction_failed");
    const line = status ? `${status.confirmationStatus ?? "processed"}${status.confirmations === null ? "" : `, ${status.confirmations} confirmation${status.confirmations === 1n ? "" : "s"}`}` : "not seen yet";
    if (line !== shown) {
      ctx.out.say(`  ${line}`);
      shown = line;
    }
    if (status?.confirmationStatus === "finalized") return;
    if (Date.now() > giveUpAt) {
      throw new CliError(`the transfer ${signature} is not finalized after ${CONFIRM_TIMEOUT_MS / 1000} s: claim it later with \`machpay agent deposit --tx ${signature}\``, "deposit_not_final");
    }
    await ctx.sleep(200);
  }
}

/** POST /v1/agent/deposit, again while the API still sees the transaction as not final. */
async function claim(ctx: CliContext, api: Api, signature: string, retryNotFound: boolean) {
  const giveUpAt = Date.now() + CONFIRM_TIMEOUT_MS;
  for (;;) {
    try {
      return await send(api, api.client.POST("/v1/agent/deposit", { ...api.init(), body: { txHash: signature } }));
    } catch (err) {
      const retriable = err instanceof ApiError && (err.code === "deposit_not_final" || (retryNotFound && err.code === "transaction_not_found"));
      if (!retriable || Date.now() > giveUpAt) throw err;
      ctx.out.say(`  the API sees it as ${err.code === "deposit_not_final" ? "not final yet" : "not found yet"}; retrying`);
      await ctx.sleep(1000);
    }
  }
}

function chainError(rpcUrl: string, err: unknown): CliError {
  const message = err instanceof Error ? err.message : String(err);
  return new CliError(`the Solana RPC at ${rpcUrl} failed: ${message} (set --rpc or MACHPAY_SOLANA_RPC)`, "chain_unreachable");
}

/** `machpay agent deposit-address`: where to send USDC from a wallet of your own. */
export async function depositAddressCommand(ctx: CliContext) {
  const { api } = accountApi(ctx);
  const target = await send(api, api.client.GET("/v1/agent/deposit-address", api.init()));
  ctx.out.result({ ...target }, [
    `Send USDC (mint ${target.token_mint}, ${target.decimals} decimals) with transferChecked to the vault token account:`,
    `  ${target.vault_token_account}`,
    `From a wallet that is not your sign-in wallet, add the memo: ${target.memo}`,
    "Then: machpay agent deposit --tx <signature>",
  ]);
}
