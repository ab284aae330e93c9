import { createHmac } from "node:crypto";
import type { Json } from "./sample";
import type { Operation } from "./spec";

// A request as the fuzzer thinks of it (a plan: parameters, headers, a body, who signs it) and as
// it is sent (URL and fetch options), plus the text that reproduces it with secrets left out.

/** Who the request claims to be; "none" sends no credential at all. */
export type AuthKind =
  | "none"
  | "agentJwt"
  | "agentKey"
  | "agentDevice"
  | "settingsAgentJwt"
  | "vendorJwt"
  | "gatewayKey"
  | "vendorDevice"
  | "observerJwt"
  | "admin"
  | "recon"
  | "accessTokenQuery";

export interface Credentials {
  bearer: Partial<Record<AuthKind, string>>;
  /** Signs `machpay-device:<METHOD>:<path?query>:<ts>` with a linked device key. */
  device: Partial<Record<AuthKind, (method: string, pathWithQuery: string) => Promise<string>>>;
  reconSecret: string;
}

export type BodyPlan =
  | { kind: "json"; value: Json; contentType: string | null }
  | { kind: "raw"; data: string | Uint8Array; contentType: string | null };

export interface RequestPlan {
  op: Operation;
  /** Another method than the operation's (the body is dropped for GET and HEAD). */
  method?: string;
  /** Path parameter values, percent-encoded when sent. */
  pathParams: Record<string, string>;
  /** Path parameter segments sent verbatim (already encoded, or deliberately not). */
  rawPathParams: Record<string, string>;
  /** Query pairs, percent-encoded when sent. */
  query: [string, string][];
  /** Appended to the query string verbatim. */
  rawQuery: string;
  headers: Record<string, string>;
  body?: BodyPlan;
  /** JSON numbers JSON.stringify cannot write (-0, 2^64, 1e400): a marker string in the body, replaced by the literal. */
  literals: Record<string, string>;
  auth: AuthKind;
  resign?: Resign;
}

/** Recomputes a signature carried in the body over its (mutated) fields. */
export type Resign = (body: Json) => Promise<Json>;

export interface Materialized {
  url: string;
  init: RequestInit & { method: string; headers: Record<string, string> };
  /** The exact request, secrets replaced by what they were (e.g. <agentJwt>), for a bug report. */
  repro: string;
}

// Every request another client address: the fuzz app trusts X-Forwarded-For (harness.ts).
let clientCounter = 0;

export const literalMarker = (i: number) => `__fuzz_literal_${i}__`;

function bodyBytes(plan: RequestPlan): { data: string | Uint8Array; contentType: string | null } | undefined {
  const body = plan.body;
  if (!body) return undefined;
  if (body.kind === "raw") return { data: body.data, contentType: body.contentType };
  let text = JSON.stringify(body.value);
  for (const [marker, literal] of Object.entries(plan.literals)) text = text.replaceAll(JSON.stringify(marker), literal);
  return { data: text, contentType: body.contentType };
}

function pathOf(plan: RequestPlan): string {
  return plan.op.path.replace(/\{([^}]+)\}/g, (_m, name: string) => plan.rawPathParams[name] ?? encodeURIComponent(plan.pathParams[name] ?? ""));
}

function queryOf(plan: RequestPlan, extra: [string, string][]): string {
  const parts = [...plan.query, ...extra].map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`);
  if (plan.rawQuery) parts.push(plan.rawQuery);
  return parts.length > 0 ? `?${parts.join("&")}` : "";
}

const shorten = (text: string) => (text.length > 600 ? `${text.slice(0, 300)}…(${text.length} chars)…${text.slice(-100)}` : text);

function describeBody(data: string | Uint8Array): string {
  if (typeof data === "string") return shorten(JSON.stringify(data));
  return `bytes ${shorten(Buffer.from(data).toString("hex"))}`;
}

/** The plan with its body's signature made over the body as the server will parse it (literals included). */
async function resigned(plan: RequestPlan): Promise<RequestPlan> {
  const text = bodyBytes(plan)?.data;
  if (!plan.resign || plan.body?.kind !== "json" || typeof text !== "string") return plan;
  const value = plan.body.value;
  const signed = await plan.resign(JSON.parse(text) as Json);
  const signature = (signed as Record<string, Json> | null)?.signature;
  if (value === null || typeof value !== "object" || Array.isArray(value) || typeof signature !== "string") return plan;
  return { ...plan, body: { ...plan.body, value: { ...value, signature } } };
}

export async function materialize(baseUrl: string, given: RequestPlan, creds: Credentials): Promise<Materialized> {
  const plan = await resigned(given);
  const method = plan.method ?? plan.op.method;
  const body = method === "GET" || method === "HEAD" ? undefined : bodyBytes(plan);
  const tokenInQuery = plan.auth === "accessTokenQuery" ? creds.bearer.agentJwt : undefined;
  const pathAndQuery = pathOf(plan) + queryOf(plan, tokenInQuery ? [["access_token", tokenInQuery]] : []);
  const url = baseUrl + pathAndQuery;
  const headers: Record<string, string> = {};
  const shown: Record<string, string> = {};
  if (body?.contentType) headers["content-type"] = shown["content-type"] = body.contentType;
  headers["x-forwarded-for"] = `10.${(clientCounter >> 16) & 255}.${(clientCounter >> 8) & 255}.${clientCounter++ & 255}`;
  for (const [k, v] of Object.entries(plan.headers)) headers[k] = shown[k] = v;

  const device = creds.device[plan.auth];
  const bearer = creds.bearer[plan.auth];
  if (device) {
    // Signed over the path as the server will see it (URL normalisation included).
    const u = new URL(url);
    headers.authorization = await device(method, u.pathname + u.search);
    shown.authorization = `Device <${plan.auth} signature>`;
  } else if (plan.auth === "recon") {
    headers["x-machpay-signature"] = `sha256=${createHmac("sha256", creds.reconSecret).update(body?.data ?? "").digest("hex")}`;
    shown["x-machpay-signature"] = "sha256=<HMAC-SHA-256 of the body with RECON_WEBHOOK_SECRET>";
  } else if (bearer && plan.auth !== "accessTokenQuery") {
    headers.authorization = `Bearer ${bearer}`;
    shown.authorization = `Bearer <${plan.auth}>`;
  }
  const shownPath = tokenInQuery ? pathAndQuery.replace(tokenInQuery, "<agentJwt>") : pathAndQuery;
  const lines = [`${method} ${shorten(shownPath)}`, ...Object.entries(shown).map(([k, v]) => `${k}: ${shorten(JSON.stringify(v))}`)];
  if (body) lines.push(`body: ${describeBody(body.data)}`);
  return {
    url,
    init: { method, headers, ...(body ? { body: body.data } : {}) },
    repro: lines.join("\n"),
  };
}
