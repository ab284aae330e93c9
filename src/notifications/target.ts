import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { blockedReason } from "./ip-ranges";

// Where a webhook URL really points. Checked at registration and again at every delivery, and the
// delivery then connects to the very address that was checked: a name that resolved to a public
// address at registration and to 127.0.0.1 now (DNS rebinding) is refused, not followed.

export class TargetRefused extends Error {
  constructor(
    readonly reason: "scheme" | "credentials" | "unresolvable" | "private_address",
    message: string,
  ) {
    super(message);
    this.name = "TargetRefused";
  }
}

export interface ResolvedTarget {
  url: URL;
  /** The address to connect to (checked). */
  address: string;
}

const LOOKUP_TIMEOUT_MS = 5000;

/** The URL's host as a bare IP when it is one (URL keeps IPv6 in brackets). */
const literalIp = (hostname: string) => {
  const bare = hostname.replace(/^\[(.*)\]$/, "$1");
  return isIP(bare) ? bare : null;
};

async function resolveAll(hostname: string): Promise<string[]> {
  const ip = literalIp(hostname);
  if (ip) return [ip];
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("DNS lookup timed out")), LOOKUP_TIMEOUT_MS);
  });
  try {
    const found = await Promise.race([lookup(hostname, { all: true, verbatim: true }), timeout]);
    return found.map((a) => a.address);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Checks a webhook URL and resolves it. Every address the name resolves to must be public (one
 * private answer among public ones would let a rebinding server pick it), unless private targets
 * are allowed (tests, local development), which also allows plain http.
 */
export async function resolveTarget(raw: string, allowPrivate: boolean): Promise<ResolvedTarget> {
  const url = new URL(raw);
  if (url.protocol !== "https:" && !(allowPrivate && url.protocol === "http:")) {
    throw new TargetRefused("scheme", allowPrivate ? "the URL must be http(s)" : "the URL must be https");
  }
  if (url.username || url.password) throw new TargetRefused("credentials", "the URL must not carry credentials");
  let addresses: string[];
  try {
    addresses = await resolveAll(url.hostname);
  } catch {
    throw new TargetRefused("unresolvable", `${url.hostname} does not resolve`);
  }
  if (addresses.length === 0) throw new TargetRefused("unresolvable", `${url.hostname} does not resolve`);
  if (!allowPrivate) {
    for (const address of addresses) {
      const reason = blockedReason(address);
      if (reason) throw new TargetRefused("private_address", `${url.hostname} resolves to ${address} (${reason}); webhooks reach public addresses only`);
    }
  }
  return { url, address: addresses[0]! };
}
