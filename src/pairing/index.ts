// Device pairing: RFC 8628-style codes binding a device key to a profile, and device-signed requests.
export { registerPairingRoutes } from "./routes";
export { deviceScheme, verifyDeviceCredential } from "./device-auth";
export { initLink, approveLink, linkStatus, viewLinkRequest, findLinkedDevice, type PairingCtx } from "./service";
export { linkInitMessage, deviceAuthMessage, normaliseUserCode, displayUserCode } from "./codes";
