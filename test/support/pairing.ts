import { unixSeconds } from "@/core/clock";
import type { TestApp } from "./app";
import { json } from "./http";
import { newWallet, type TestWallet } from "./solana-keys";

/** Starts pairing for a (new) device key, signing the init proof as a real device does. */
export async function startPairing(t: TestApp, kind: "agent" | "vendor", wallet?: TestWallet, timestamp?: number) {
  const device = wallet ?? (await newWallet());
  const ts = timestamp ?? unixSeconds(t.deps.clock.now());
  const signature = await device.signBase58(`machpay-link-init:${kind}:${device.address}:${ts}`);
  const res = await fetch(t.url + "/v1/link/init", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ pubkey: device.address, kind, timestamp: ts, signature }),
  });
  return { res, body: await json(res), device, timestamp: ts };
}

/** The Authorization header of a device-signed request. */
export async function deviceHeader(t: TestApp, device: TestWallet, method: string, pathWithQuery: string, timestamp?: number) {
  const ts = timestamp ?? unixSeconds(t.deps.clock.now());
  const signature = await device.signBase58(`machpay-device:${method}:${pathWithQuery}:${ts}`);
  return `Device ${device.address}:${ts}:${signature}`;
}

export async function approve(t: TestApp, token: string, code: string) {
  const res = await fetch(t.url + "/v1/link/approve", {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ code }),
  });
  return { res, body: await json(res) };
}

/** A device key linked to a fresh profile of its kind, through the real pairing flow. */
export async function linkedDevice(t: TestApp, ownerToken: string, kind: "agent" | "vendor") {
  const started = await startPairing(t, kind);
  const approved = await approve(t, ownerToken, started.body.code);
  if (approved.res.status !== 200) throw new Error(`approve failed: ${JSON.stringify(approved.body)}`);
  return started.device;
}
