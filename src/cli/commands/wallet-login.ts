import { resolve } from "node:path";
import { getBase58Decoder } from "@solana/kit";
import { connectApi, send } from "../api";
import { readConfig, writeConfig } from "../config";
import type { CliContext } from "../context";
import { ensureKey } from "../keyfile";
import { warnIfLoose } from "./device";

// `machpay login --wallet`: Sign-In-With-Solana with a key file, no browser. The API hands out a
// challenge (a ready SIWS message); the key signs it; the session's access token is kept like the
// browser login's. The key file is created on first use: its address is the account's wallet, so
// USDC it sends to the vault is recognised as this account's deposit.

export const walletPath = (ctx: CliContext, flag: string | undefined) => (flag ? resolve(flag) : `${ctx.home}/wallet/secret_key.json`);

export async function walletLoginCommand(ctx: CliContext, options: { keypair: string | undefined }) {
  const existing = readConfig(ctx.home);
  const path = walletPath(ctx, options.keypair);
  const { key, created } = await ensureKey(path);
  warnIfLoose(ctx, key);
  if (created) ctx.out.say(`Created a new wallet key: ${path}`);
  const api = connectApi(ctx.apiUrl);
  const challenge = await send(api, api.client.POST("/v1/auth/challenge", { ...api.init(), body: { address: key.address } }));
  const signature = getBase58Decoder().decode(await key.sign(new TextEncoder().encode(challenge.message)));
  const session = await send(
    api,
    api.client.POST("/v1/auth/login/wallet", { ...api.init(), body: { address: key.address, signature, message: challenge.message } }),
  );
  const saved = writeConfig(ctx.home, {
    ...existing,
    api_url: ctx.apiUrl,
    auth: { access_token: session.token, user_id: session.user.id, email: session.user.email },
  });
  ctx.out.result(
    { logged_in: true, user_id: session.user.id, wallet: key.address, keypair_path: path, role: session.user.role, api_url: ctx.apiUrl, config_path: saved },
    [`Logged in with wallet ${key.address} (user ${session.user.id}, ${session.user.role})`, `Saved to ${saved}`],
  );
}
