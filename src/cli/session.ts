import { connectApi, type Api } from "./api";
import { readConfig } from "./config";
import type { CliContext } from "./context";
import { CliError } from "./errors";

// The credential of commands that act on an account (pay, deposit, payout, endpoints...): the API
// key in MACHPAY_API_KEY first (it does not expire; with write permission it moves money), else the
// access token `machpay login` keeps. A device key signs reads only, so it is no choice here.

export interface Session {
  api: Api;
  describe: string;
}

export function accountApi(ctx: CliContext): Session {
  if (ctx.apiKey) return { api: connectApi(ctx.apiUrl, ctx.apiKey), describe: "MACHPAY_API_KEY" };
  const token = readConfig(ctx.home).auth?.access_token;
  if (token) return { api: connectApi(ctx.apiUrl, token), describe: "the `machpay login` token" };
  throw new CliError(
    "not signed in: run `machpay login` (browser) or `machpay login --wallet` (a wallet key file), or set MACHPAY_API_KEY",
    "not_signed_in",
  );
}
