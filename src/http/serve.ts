import type { Logger } from "@/core/logger";

export interface RunningServer {
  url: string;
  port: number;
  /** Stop accepting, run shutdown hooks (SSE streams end), then wait for in-flight requests. */
  stop(timeoutMs: number, beforeDrain?: ShutdownHook): Promise<void>;
}

export type ShutdownHook = () => void | Promise<void>;

export function serve(
  built: { app: { fetch: (request: Request, server: Bun.Server<undefined>) => Response | Promise<Response> } },
  options: { port: number; hostname: string; logger: Logger; onShutdown?: ShutdownHook[] },
): RunningServer {
  const host = options.hostname === "0.0.0.0" ? "127.0.0.1" : options.hostname;
  const fetch = built.app.fetch;
  let port = options.port;
  const server: Bun.Server<undefined> = Bun.serve({
    port: options.port,
    hostname: options.hostname,
    // A request with no Host header (HTTP/1.0: HAProxy's and many load balancers' default health
    // check) reaches us with a relative URL ("/health"), which Hono's router reads as the path "h":
    // a 404, and the instance marked down. It is given this server's own address instead.
    fetch: (request, bunServer) => (request.url.charCodeAt(0) === 47 ? fetch(new Request(`http://${host}:${port}${request.url}`, request), bunServer) : fetch(request, bunServer)),
    // Bun's default idle timeout (10 s) would cut quiet SSE streams; they send heartbeats.
    idleTimeout: 60,
  });
  port = server.port ?? options.port;
  let stopping: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    port,
    stop(timeoutMs, beforeDrain) {
      stopping ??= (async () => {
        const graceful = (async () => {
          for (const hook of [...(options.onShutdown ?? []), ...(beforeDrain ? [beforeDrain] : [])]) await hook();
          await server.stop(false);
        })();
        const deadline = new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), timeoutMs).unref?.());
        if ((await Promise.race([graceful.then(() => "done" as const), deadline])) === "timeout") {
          options.logger.warn("shutdown deadline passed; closing remaining connections", { timeout_ms: timeoutMs });
          await server.stop(true);
        }
      })();
      return stopping;
    },
  };
}
