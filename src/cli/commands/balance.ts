import { atomicToDecimal } from "@/core/money";
import { connectApi, send } from "../api";
import type { CliContext } from "../context";
import { deviceAuthorization } from "../device-auth";
import { ApiError, CliError } from "../errors";
import { loadKey } from "../keyfile";
import { AGENT, keyPathFor, warnIfLoose } from "./device";

// `machpay agent balance`: a read signed by the agent key (no login needed). Amounts arrive as
// atomic digit strings and are shown exactly, with USDC's 6 decimals, through bigint.

const USDC_DECIMALS = 6;

function usdc(atomic: unknown, field: string): string {
  if (typeof atomic !== "string" || !/^\d+$/.test(atomic)) {
    throw new CliError(`the API sent ${field} = ${JSON.stringify(atomic)}, which is not an atomic amount`, "unexpected_response");
  }
  return `${atomicToDecimal(BigInt(atomic), USDC_DECIMALS)} USDC`;
}

export async function balanceCommand(ctx: CliContext, options: { keypair: string | undefined }) {
  const path = keyPathFor(ctx, AGENT, options.keypair);
  const key = await loadKey(path).catch((err: unknown) => {
    if (err instanceof CliError && err.code === "key_file_missing") {
      throw new CliError(`no agent key at ${path}: run \`machpay agent init\` and \`machpay agent link\` first`, "key_file_missing");
    }
    throw err;
  });
  warnIfLoose(ctx, key);
  const api = connectApi(ctx.apiUrl);
  const authorization = await deviceAuthorization(key, "GET", `${ctx.apiUrl}/v1/agent/balance`, ctx.nowSeconds());
  const balance = await send(api, api.client.GET("/v1/agent/balance", { ...api.init(), headers: { Authorization: authorization } })).catch(
    (err: unknown) => {
      if (err instanceof ApiError && err.code === "device_not_linked") {
        throw new ApiError(`this key (${key.address}) is not linked to an agent profile: run \`machpay agent link\``, err.code, err.status, err.details, undefined);
      }
      throw err;
    },
  );
  const lines = [
    `Available: ${usdc(balance.available_atomic, "available_atomic")}`,
    `Bonded: ${usdc(balance.bonded_atomic, "bonded_atomic")}`,
    `Pending: ${usdc(balance.pending_atomic, "pending_atomic")}`,
  ];
  ctx.out.result(
    {
      pubkey: key.address,
      available_atomic: balance.available_atomic,
      bonded_atomic: balance.bonded_atomic,
      pending_atomic: balance.pending_atomic,
      token_mint: balance.token_mint,
    },
    lines,
  );
}
