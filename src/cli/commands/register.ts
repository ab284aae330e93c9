import { existsSync } from "node:fs";
import { send, type Api } from "../api";
import type { CliContext } from "../context";
import { ApiError, usageError } from "../errors";
import { parseUsdc, showUsdc } from "../money";
import { loadKey } from "../keyfile";
import { accountApi } from "../session";
import { walletPath } from "./wallet-login";

// `machpay agent register <name>` and `machpay vendor register <name>`: the signed-in user's
// profile (POST /v1/profile), which makes them an agent (architect) or a vendor (operator).

export async function registerAgentCommand(ctx: CliContext, name: string | undefined) {
  if (!name) throw usageError("missing the agent's name: machpay agent register <name>");
  const { api } = accountApi(ctx);
  const created = await send(api, api.client.POST("/v1/profile", { ...api.init(), body: { type: "agent", name } })).catch((err: unknown) => existing(api, err, "agent"));
  if ("already" in created) return ctx.out.result({ profile: created.profile, already_registered: true }, [`Already registered: agent profile "${created.profile.name}"`]);
  ctx.out.result({ profile: created, already_registered: false }, [`Agent profile "${created.name}" created (user ${created.user_id})`]);
}

/** Registering again as the same kind is not a failure (a re-run script); as the other kind it is. */
async function existing(api: Api, err: unknown, type: "agent" | "vendor") {
  if (!(err instanceof ApiError) || err.code !== "profile_exists") throw err;
  const profile = await send(api, api.client.GET("/v1/profile", api.init()));
  if (profile.type !== type) throw new ApiError(`this account already has a ${profile.type} profile ("${profile.name}"): one account is one profile; sign in with another wallet`, err.code, err.status, err.details, undefined);
  return { already: true as const, profile };
}

export async function registerVendorCommand(
  ctx: CliContext,
  name: string | undefined,
  options: { price: string | undefined; serviceType: string | undefined; withdrawalAddress: string | undefined },
) {
  if (!name) throw usageError("missing the vendor's name: machpay vendor register <name> [--price USDC] [--service-type TYPE]");
  const base = parseUsdc(options.price ?? "0.01", "--price");
  const { api } = accountApi(ctx);
  // Payouts go to the wallet of `machpay login --wallet` unless told otherwise.
  const wallet = walletPath(ctx, undefined);
  const withdrawal = options.withdrawalAddress ?? (existsSync(wallet) ? (await loadKey(wallet)).address : undefined);
  if (!withdrawal) throw usageError(`give --withdrawal-address WALLET: there is no wallet key at ${wallet} to pay out to`);
  const created = await send(
    api,
    api.client.POST("/v1/profile", {
      ...api.init(),
      body: { type: "vendor", name, service_type: options.serviceType ?? "api", withdrawal_address: withdrawal, base_price_atomic: base },
    }),
  ).catch((err: unknown) => existing(api, err, "vendor"));
  if ("already" in created) return ctx.out.result({ profile: created.profile, already_registered: true }, [`Already registered: vendor profile "${created.profile.name}"`]);
  const profile = created;
  ctx.out.result({ profile, already_registered: false }, [
    `Vendor profile "${profile.name}" created (user ${profile.user_id}); base price ${showUsdc(profile.base_price_atomic, "base_price_atomic")}, payouts to ${profile.withdrawal_address}`,
  ]);
}
