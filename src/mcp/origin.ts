import type { Config } from "@/config";
import { AppError } from "@/core/errors";

// DNS-rebinding protection of /mcp (MCP spec 2025-11-25, "Transports", security warning). A page
// on evil.example whose name the attacker re-points at 127.0.0.1 can make a browser POST to a
// local server as if it were same-origin; the browser still sends `Origin: http://evil.example`
// (it does on every POST, same-origin included), so an Origin outside the list is refused before
// any JSON-RPC message is read. Allowed: the console's origins, PUBLIC_URL's, loopback origins on
// any port (a page served from this machine already runs here), and MCP_ALLOWED_ORIGINS. No
// Origin at all (MCP hosts, the CLI, curl) passes: there is no browser to abuse. The same-origin
// rule a browser applies is deliberately not used: under rebinding the page IS same-origin.
// Host is checked only when MCP_ALLOWED_HOSTS is set: behind a load balancer the Host a server
// sees is the operator's business, and a wrong default would refuse every real client.

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

export interface OriginRule {
  /** Throws origin_not_allowed when the request's Origin (or Host) is not one /mcp serves. */
  check(headers: { origin: string | undefined; host: string | undefined }): void;
}

function originOf(text: string): string | undefined {
  try {
    const url = new URL(text);
    return url.origin === "null" ? undefined : url.origin;
  } catch {
    return undefined;
  }
}

/** The hostname of a Host header, port-agnostic (IPv6 keeps its brackets). */
function hostnameOf(host: string): string {
  const bracketed = /^(\[[^\]]*\])(?::\d+)?$/.exec(host);
  return (bracketed ? bracketed[1]! : host.replace(/:\d+$/, "")).toLowerCase();
}

const isLoopbackOrigin = (origin: string) => {
  const url = new URL(origin);
  return (url.protocol === "http:" || url.protocol === "https:") && LOOPBACK_HOSTS.has(url.hostname);
};

export function originRule(config: Pick<Config, "CONSOLE_ORIGINS" | "PUBLIC_URL" | "MCP_ALLOWED_ORIGINS" | "MCP_ALLOWED_HOSTS">): OriginRule {
  const origins = new Set([...config.CONSOLE_ORIGINS, config.PUBLIC_URL, ...config.MCP_ALLOWED_ORIGINS].flatMap((o) => originOf(o) ?? []));
  const hosts = new Set(config.MCP_ALLOWED_HOSTS.map(hostnameOf));
  return {
    check({ origin, host }) {
      if (origin !== undefined) {
        const normalised = originOf(origin);
        if (!normalised || !(origins.has(normalised) || isLoopbackOrigin(normalised))) {
          throw new AppError("origin_not_allowed", `requests from the browser origin ${JSON.stringify(origin.slice(0, 200))} are not accepted (set MCP_ALLOWED_ORIGINS)`);
        }
      }
      if (hosts.size > 0 && (host === undefined || !hosts.has(hostnameOf(host)))) {
        throw new AppError("origin_not_allowed", `this server does not answer /mcp for the host ${JSON.stringify((host ?? "").slice(0, 200))}`);
      }
    },
  };
}
