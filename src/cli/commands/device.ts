import { resolve } from "node:path";
import { connectApi, send } from "../api";
import { defaultKeyPath } from "../config";
import type { CliContext } from "../context";
import { deviceAuthorization, type DeviceKind } from "../device-auth";
import { ensureKey, type DeviceKey } from "../keyfile";

// The two device identities share one flow (init, link): an agent key (`machpay agent ...`) and a
// vendor gateway key (`machpay gateway ...`). This file holds what differs and `init`.

export interface Identity {
  kind: DeviceKind;
  /** The command group and the directory under $MACHPAY_HOME. */
  command: "agent" | "gateway";
}

export const AGENT: Identity = { kind: "agent", command: "agent" };
export const GATEWAY: Identity = { kind: "vendor", command: "gateway" };

/** The line a linked key prints (lld-backend.md §3.2 and §3.3 spell them). */
export const linkedLine = (kind: DeviceKind, name: string) => (kind === "agent" ? `Linked to Agent: ${name}` : `Linked to Vendor Profile: "${name}"`);

export interface DeviceLink {
  pubkey: string;
  linked: boolean;
  kind: DeviceKind | null;
  profile: { type: DeviceKind; name: string } | null;
}

export const keyPathFor = (ctx: CliContext, identity: Identity, flag: string | undefined) =>
  flag ? resolve(flag) : defaultKeyPath(ctx.home, identity.command);

export function warnIfLoose(ctx: CliContext, key: DeviceKey) {
  if (key.looseMode !== 0) ctx.out.warn(`${key.path} can be read by other users; run: chmod 600 ${key.path}`);
}

/** GET /v1/link/device, signed by the key: answers for unlinked keys too. */
export async function fetchDeviceLink(ctx: CliContext, key: DeviceKey): Promise<DeviceLink> {
  const api = connectApi(ctx.apiUrl);
  const authorization = await deviceAuthorization(key, "GET", `${ctx.apiUrl}/v1/link/device`, ctx.nowSeconds());
  return send(api, api.client.GET("/v1/link/device", { ...api.init(), headers: { Authorization: authorization } }));
}

/** What a person reads about a key's link; `ok` is false when it is linked as the other kind. */
export function describeLink(identity: Identity, link: DeviceLink): { ok: boolean; line: string } {
  if (!link.linked) return { ok: true, line: `Not linked: run \`machpay ${identity.command} link\` to link this key to your profile.` };
  const what = link.profile ? linkedLine(link.profile.type, link.profile.name) : "Linked, but its profile no longer exists";
  if (link.kind !== identity.kind) {
    const other = link.kind === "agent" ? "an agent" : "a vendor gateway";
    return { ok: false, line: `This key is linked as ${other}, not as ${identity.kind === "agent" ? "an agent" : "a gateway"} (${what}).` };
  }
  return { ok: true, line: what };
}

export const linkJson = (link: DeviceLink) => ({ linked: link.linked, kind: link.kind, profile: link.profile });

/** `machpay agent|gateway init`: the key file (created once), its public key, and whether it is linked. */
export async function initCommand(ctx: CliContext, identity: Identity, options: { keypair: string | undefined }) {
  const path = keyPathFor(ctx, identity, options.keypair);
  const { key, created } = await ensureKey(path);
  warnIfLoose(ctx, key);
  ctx.out.say(created ? `Created a new ${identity.command} key: ${path}` : `Using the existing ${identity.command} key: ${path}`);
  ctx.out.say(`Public key: ${key.address}`);
  const link = await fetchDeviceLink(ctx, key);
  ctx.out.result({ pubkey: key.address, keypair_path: path, created, ...linkJson(link) }, [describeLink(identity, link).line]);
}
