import { createHmac } from "node:crypto";
import type { FuzzApp } from "../fuzz/harness";
import { basePlan } from "../fuzz/plan";
import { materialize } from "../fuzz/request";
import type { Operation } from "../fuzz/spec";
import { deviceHeader } from "../pairing";
import type { TestWallet } from "../solana-keys";

// One request of the security suite: the operation's plausible request (the fuzzer's base, real
// ids and signatures included), sent as one caller.

export type Caller =
  | { kind: "none" }
  /** Headers sent as they are (Authorization: Bearer <token>, Basic ..., a bad signature header). */
  | { kind: "headers"; headers: Record<string, string> }
  /** A device key's signature; over another path, or at another time, when asked. */
  | { kind: "device"; wallet: TestWallet; otherPath?: true; skewSeconds?: number }
  /** An X-MachPay-Signature HMAC of the body with `secret` (over another body when asked). */
  | { kind: "recon"; secret: string; otherBody?: true };

export const withHeader = (name: string, value: string): Caller => ({ kind: "headers", headers: { [name]: value } });
export const bearer = (token: string): Caller => withHeader("authorization", `Bearer ${token}`);

export interface Reply {
  status: number;
  /** The error envelope's code and details, when the answer is one. */
  code: string | undefined;
  details: Record<string, unknown> | undefined;
  wwwAuthenticate: string | null;
  body: unknown;
  /** The request, secrets named rather than shown, for a failure message. */
  repro: string;
}

async function authHeaders(app: FuzzApp, caller: Caller, method: string, url: string, body: string): Promise<Record<string, string>> {
  switch (caller.kind) {
    case "none":
      return {};
    case "headers":
      return caller.headers;
    case "device": {
      const u = new URL(url);
      const path = caller.otherPath ? `${u.pathname}/other${u.search}` : u.pathname + u.search;
      const now = Math.floor(app.t.deps.clock.now().getTime() / 1000);
      return { authorization: await deviceHeader(app.t, caller.wallet, method, path, now + (caller.skewSeconds ?? 0)) };
    }
    case "recon": {
      const signed = caller.otherBody ? `${body} ` : body;
      return { "x-machpay-signature": `sha256=${createHmac("sha256", caller.secret).update(signed).digest("hex")}` };
    }
  }
}

export async function send(app: FuzzApp, op: Operation, caller: Caller, pathParams: Record<string, string> = {}): Promise<Reply> {
  const plan = await basePlan(app.target.doc, op, app.cast, "none");
  const request = await materialize(app.t.url, { ...plan, pathParams: { ...plan.pathParams, ...pathParams } }, app.cast.credentials);
  const body = typeof request.init.body === "string" ? request.init.body : "";
  const headers = { ...request.init.headers, ...(await authHeaders(app, caller, request.init.method, request.url, body)) };
  const res = await fetch(request.url, { ...request.init, headers });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // Not JSON: kept as text for the failure message.
  }
  const error = (parsed as { error?: { code?: unknown; details?: Record<string, unknown> } } | undefined)?.error;
  return {
    status: res.status,
    code: typeof error?.code === "string" ? error.code : undefined,
    details: error?.details,
    wwwAuthenticate: res.headers.get("www-authenticate"),
    body: parsed,
    repro: request.repro.split("\n")[0]!,
  };
}
