import { CliError } from "./errors";

// The local end of the browser handoff: the console page sends the browser to
// http://localhost:<port>/callback?token=<JWT> (or ?error=<message>). We listen on the loopback
// addresses only, on a port the system picks, and take the first answer.

export interface CallbackServer {
  port: number;
  /** The access token, or a CliError "auth error: ..." when the browser reports a failure. */
  token: Promise<string>;
  stop(): void;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const page = (status: number, title: string, text: string) =>
  new Response(
    `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>` +
      `<body style="font-family: system-ui, sans-serif; margin: 4rem auto; max-width: 32rem">` +
      `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p></body></html>`,
    { status, headers: { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" } },
  );

export function startCallbackServer(): CallbackServer {
  let settle: { resolve(token: string): void; reject(err: CliError): void } | undefined;
  const token = new Promise<string>((resolve, reject) => {
    settle = { resolve, reject };
  });
  let done = false;

  const handle = (req: Request): Response => {
    const url = new URL(req.url);
    if (url.pathname === "/health") return new Response("ok");
    if (url.pathname !== "/callback" || req.method !== "GET") return new Response("Not found", { status: 404 });
    if (done) return page(409, "Already done", "This login has finished; you can close this tab.");
    const error = url.searchParams.get("error");
    const value = url.searchParams.get("token");
    if (error !== null) {
      done = true;
      settle!.reject(new CliError(`auth error: ${error}`, "auth_error"));
      return page(400, "Login failed", `${error}. Return to your terminal and run machpay login again.`);
    }
    // A stray request without a token does not end the login: the real redirect may still come.
    if (!value) return page(400, "No token", "This page expects a token from the MachPay console.");
    done = true;
    settle!.resolve(value);
    return page(200, "Login successful", "You are signed in to the machpay CLI. You can close this tab and return to your terminal.");
  };

  const v4 = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: handle });
  const port = v4.port!;
  // The page redirects to "localhost", which may resolve to ::1 first: answer there too, on the same
  // port, so no other local process can take the token there. Skipped where IPv6 is off.
  let v6: ReturnType<typeof Bun.serve> | undefined;
  try {
    v6 = Bun.serve({ hostname: "::1", port, fetch: handle });
  } catch {
    v6 = undefined;
  }
  return {
    port,
    token,
    stop() {
      // Not forced: the success page in flight is still delivered.
      void v4.stop();
      void v6?.stop();
    },
  };
}
