import { createCipheriv, createDecipheriv, createHmac, randomBytes } from "node:crypto";
import type { Secrets } from "@/auth";
import { randomBase62 } from "@/core/ids";

// Webhook secrets: generated here, shown once, stored sealed, and used to sign every delivery.

export const SECRET_PREFIX = "whsec_";
/** 32 base62 characters: about 190 bits. */
const SECRET_CHARS = 32;
const VERSION = "v1";

export const newWebhookSecret = () => SECRET_PREFIX + randomBase62(SECRET_CHARS);

/** `sha256=<hex HMAC-SHA-256 of the exact body bytes>`: what X-MachPay-Signature carries. */
export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/**
 * The sealing key: an HMAC of a fixed label under the server pepper (a PRF, so a proper derived
 * key), never the pepper itself. Changing API_KEY_PEPPER makes existing secrets unreadable, as it
 * already invalidates API keys; deliveries then fail with a clear error.
 */
function sealingKey(secrets: Secrets): Buffer {
  return Buffer.from(secrets.hmac("machpay:webhook-secret-sealing:v1"), "hex");
}

/** AES-256-GCM, bound to the webhook id (associated data): a sealed secret moved to another row does not open. */
export function sealSecret(secrets: Secrets, webhookId: bigint, secret: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", sealingKey(secrets), iv);
  cipher.setAAD(Buffer.from(`webhook:${webhookId}`));
  const sealed = Buffer.concat([iv, cipher.update(secret, "utf8"), cipher.final(), cipher.getAuthTag()]);
  return `${VERSION}:${sealed.toString("base64url")}`;
}

/** The secret, or null when it cannot be opened (another pepper, or tampered with). */
export function openSecret(secrets: Secrets, webhookId: bigint, sealed: string): string | null {
  const [version, data] = sealed.split(":");
  if (version !== VERSION || !data) return null;
  const bytes = Buffer.from(data, "base64url");
  if (bytes.length < 12 + 16) return null;
  try {
    const decipher = createDecipheriv("aes-256-gcm", sealingKey(secrets), bytes.subarray(0, 12));
    decipher.setAAD(Buffer.from(`webhook:${webhookId}`));
    decipher.setAuthTag(bytes.subarray(bytes.length - 16));
    return Buffer.concat([decipher.update(bytes.subarray(12, bytes.length - 16)), decipher.final()]).toString("utf8");
  } catch {
    return null;
  }
}
