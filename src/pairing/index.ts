// Device pairing: RFC 8628-style codes binding a device key to a profile, and device-signed requests.
import type { Module } from "@/http/module";
import { newRouter } from "@/http/router";
import type { PairingDeps } from "./deps";
import { registerPairingRoutes } from "./routes";

export type { PairingDeps } from "./deps";

/** Device pairing: its routes (the Device credential scheme is handed to authenticate by the root). */
export function pairingModule(deps: PairingDeps): Module {
  const router = newRouter();
  registerPairingRoutes(router, deps);
  return { router };
}

export { deviceScheme, verifyDeviceCredential } from "./device-auth";
export { initLink, approveLink, linkStatus, viewLinkRequest, findLinkedDevice, type PairingCtx } from "./service";
export { linkInitMessage, deviceAuthMessage, normaliseUserCode, displayUserCode } from "./codes";
