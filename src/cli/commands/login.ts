import { connectApi, send } from "../api";
import { readConfig, writeConfig } from "../config";
import type { CliContext } from "../context";
import { ApiError, CliError } from "../errors";
import { startCallbackServer } from "../login-server";

// `machpay login`: the browser handoff of contract.md "Identity". The console page at
// <api>/console/auth/cli?port=N signs the person in and hands an access token to our local
// callback server; we check it with the API and keep it in config.json (0600).

const LOGIN_TIMEOUT_MS = 5 * 60_000;

interface Claims {
  sub: string;
  email: string | null;
}

/** The JWT's payload, unverified: the API verifies the token right after (GET /v1/me). */
function readClaims(token: string): Claims {
  const parts = token.split(".");
  let payload: unknown;
  try {
    if (parts.length !== 3) throw new Error("not three parts");
    payload = JSON.parse(Buffer.from(parts[1]!, "base64url").toString("utf8"));
  } catch {
    throw new CliError("auth error: the browser sent something that is not an access token (JWT)", "auth_error");
  }
  const { sub, email } = (payload ?? {}) as { sub?: unknown; email?: unknown };
  if (typeof sub !== "string" || sub === "") throw new CliError("auth error: the access token names no user (sub)", "auth_error");
  return { sub, email: typeof email === "string" ? email : null };
}

function timeout(ms: number): { promise: Promise<never>; cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const promise = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CliError(`login timed out: no answer from the browser within ${ms / 60_000} minutes`, "login_timeout")), ms);
  });
  return { promise, cancel: () => clearTimeout(timer) };
}

export async function loginCommand(ctx: CliContext, options: { noBrowser: boolean }) {
  const existing = readConfig(ctx.home); // a broken config.json fails now, not after the browser step
  const server = startCallbackServer();
  const url = `${ctx.apiUrl}/console/auth/cli?port=${server.port}`;
  const deadline = timeout(LOGIN_TIMEOUT_MS);
  let token: string;
  try {
    ctx.out.say("Open this page to sign in:");
    ctx.out.say(`  ${url}`);
    if (!options.noBrowser && !(await ctx.openUrl(url))) ctx.out.say("Could not start a browser: open the page above yourself.");
    ctx.out.say("Waiting for the browser (up to 5 minutes; Ctrl-C to cancel)...");
    const spinner = ctx.out.spinner("Waiting for the browser...");
    try {
      token = await Promise.race([server.token, deadline.promise]);
    } finally {
      spinner.stop();
    }
  } finally {
    deadline.cancel();
    server.stop();
  }

  const claims = readClaims(token);
  const api = connectApi(ctx.apiUrl, token);
  const me = await send(api, api.client.GET("/v1/me", api.init())).catch((err: unknown) => {
    if (err instanceof ApiError && err.status === 401) {
      throw new CliError(`auth error: the API at ${ctx.apiUrl} does not accept the token the browser sent (${err.code})`, "auth_error");
    }
    throw err;
  });
  if (me.user_id !== claims.sub) throw new CliError("auth error: the token's user does not match what the API reports", "auth_error");

  const path = writeConfig(ctx.home, {
    ...existing,
    api_url: ctx.apiUrl,
    auth: { access_token: token, user_id: claims.sub, email: claims.email },
  });
  const who = claims.email ?? `user ${claims.sub}`;
  ctx.out.result({ logged_in: true, user_id: claims.sub, email: claims.email, api_url: ctx.apiUrl, config_path: path }, [
    `Logged in as ${who}`,
    `Saved to ${path}`,
  ]);
}
