import { connectApi, send, type Api } from "../api";
import type { CliContext } from "../context";
import { linkInitProof } from "../device-auth";
import { ApiError, CliError } from "../errors";
import { ensureKey, type DeviceKey } from "../keyfile";
import { describeLink, fetchDeviceLink, keyPathFor, linkJson, linkedLine, warnIfLoose, type DeviceLink, type Identity } from "./device";

// `machpay agent|gateway link`: RFC 8628's device flow. The CLI proves it holds the key, shows a
// code for a person to approve in the console, and polls at the server's pace until the code is
// approved or expires.

interface Started {
  code: string;
  device_code: string;
  link_url: string;
  expires_at: string;
  expires_in: number;
  interval: number;
}

type Status = { status: "pending" | "approved" | "expired"; profile: { type: "agent" | "vendor"; name: string } | null };

export async function linkCommand(ctx: CliContext, identity: Identity, options: { keypair: string | undefined; open: boolean }) {
  const path = keyPathFor(ctx, identity, options.keypair);
  const { key, created } = await ensureKey(path);
  warnIfLoose(ctx, key);
  if (created) ctx.out.say(`Created a new ${identity.command} key: ${path}`);
  ctx.out.say(`Public key: ${key.address}`);
  const base = { pubkey: key.address, keypair_path: path, created };

  // Ask for a code straight away: the API answers key_already_linked (409) for a linked key.
  const api = connectApi(ctx.apiUrl);
  let started: Started;
  try {
    started = await startLink(ctx, api, identity, key);
  } catch (err) {
    if (err instanceof ApiError && err.code === "key_already_linked") return reportAlreadyLinked(ctx, identity, base, await fetchDeviceLink(ctx, key));
    throw err;
  }

  ctx.out.say("");
  ctx.out.say(`Your code: ${started.code}`);
  ctx.out.say(`Open this page to approve it (the code expires in ${Math.round(started.expires_in / 60)} minutes):`);
  ctx.out.say(`  ${started.link_url}`);
  ctx.out.say("");
  if (options.open && !(await ctx.openUrl(started.link_url))) ctx.out.say("Could not start a browser: open the page above yourself.");

  const status = await waitForApproval(ctx, api, started);
  if (status.status === "expired") {
    throw new CliError(`the code ${started.code} expired before it was approved: run \`machpay ${identity.command} link\` for a new one`, "link_code_expired");
  }
  const line = status.profile ? linkedLine(status.profile.type, status.profile.name) : "Linked.";
  ctx.out.result({ ...base, already_linked: false, code: started.code, linked: true, kind: identity.kind, profile: status.profile }, [line]);
}

function reportAlreadyLinked(ctx: CliContext, identity: Identity, base: Record<string, unknown>, link: DeviceLink) {
  const { ok, line } = describeLink(identity, link);
  if (!ok) throw new CliError(line, "key_linked_as_other_kind");
  ctx.out.say("This key is already linked.");
  ctx.out.result({ ...base, already_linked: true, code: null, ...linkJson(link) }, [line]);
}

async function startLink(ctx: CliContext, api: Api, identity: Identity, key: DeviceKey): Promise<Started> {
  const body = await linkInitProof(key, identity.kind, ctx.nowSeconds());
  return send(api, api.client.POST("/v1/link/init", { ...api.init(), body }));
}

/** "9:05": minutes and seconds until the code expires. */
function countdown(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

/** Polls no faster than the server asks; `slow_down` adds 5 s to the interval (RFC 8628 §3.5). */
async function waitForApproval(ctx: CliContext, api: Api, started: Started): Promise<Status> {
  let interval = Math.max(1, started.interval);
  // The server decides expiry; this local bound only stops a poll that would never end.
  const giveUpAt = ctx.nowSeconds() + started.expires_in + 120;
  const expiresAt = ctx.nowSeconds() + started.expires_in;
  const spinner = ctx.out.spinner(() => `Waiting for approval of ${started.code}: ${countdown(expiresAt - ctx.nowSeconds())} left`);
  try {
    for (;;) {
      await ctx.sleep(interval * 1000);
      if (ctx.nowSeconds() > giveUpAt) return { status: "expired", profile: null };
      let status: Status;
      try {
        status = await send(api, api.client.GET("/v1/link/status", { ...api.init(), params: { query: { device_code: started.device_code } } }));
      } catch (err) {
        if (err instanceof ApiError && err.status === 429) {
          if (err.code === "slow_down") interval += 5;
          else await ctx.sleep((err.retryAfterSeconds ?? interval) * 1000);
          continue;
        }
        throw err;
      }
      if (status.status !== "pending") return status;
    }
  } finally {
    spinner.stop();
  }
}
