import { isIP } from "node:net";
import type { ResolvedTarget } from "./target";

export type AttemptOutcome = { ok: true; status: number } | { ok: false; status: number | null; error: string };

/**
 * POSTs to the checked address of a resolved target: the URL's host is swapped for that IP, the
 * original name goes in Host and in TLS SNI (the certificate is still verified against the name).
 * Redirects are not followed (a 3xx is a failed attempt: it could point anywhere), no proxy is
 * used (it would resolve the name again), and the whole attempt has one deadline.
 */
export async function postTo(target: ResolvedTarget, body: string, headers: Record<string, string>, timeoutMs: number): Promise<AttemptOutcome> {
  const pinned = new URL(target.url);
  const nameIsIp = isIP(target.url.hostname.replace(/^\[(.*)\]$/, "$1")) !== 0;
  pinned.hostname = isIP(target.address) === 6 ? `[${target.address}]` : target.address;
  try {
    const res = await fetch(pinned, {
      method: "POST",
      body,
      headers: { ...headers, host: target.url.host, "content-type": "application/json", "user-agent": "MachPay-Webhooks/1" },
      redirect: "manual",
      proxy: false,
      signal: AbortSignal.timeout(timeoutMs),
      ...(nameIsIp || target.url.protocol !== "https:" ? {} : { tls: { serverName: target.url.hostname } }),
    });
    // The body is of no interest; drop it so the connection is released.
    await res.body?.cancel().catch(() => {});
    if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status };
    const why = res.status >= 300 && res.status < 400 ? "redirect not followed" : "non-2xx response";
    return { ok: false, status: res.status, error: `${why}: HTTP ${res.status}` };
  } catch (err) {
    const name = (err as Error).name;
    const error = name === "TimeoutError" || name === "AbortError" ? `timed out after ${timeoutMs} ms` : `request failed: ${(err as Error).message}`;
    return { ok: false, status: null, error };
  }
}
