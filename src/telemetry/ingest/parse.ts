import type { z } from "@hono/zod-openapi";
import { AppError } from "@/core/errors";
import { findUnstorableText } from "@/core/storable-text";
import { jsonDepth, MAX_JSON_DEPTH } from "@/http/middleware/json-depth";
import {
  AgentTelemetryEventSchema,
  GatewayEventSchema,
  GatewayPacketSchema,
  type AgentTelemetryEvent,
  type GatewayEvent,
  type GatewayPacket,
} from "./schemas";

// A request body into validated events, all or nothing: one bad event refuses the request with a
// 400 that names every failing field by its index ("3.data.amount"), and nothing of it is queued.
// Why not accept the valid ones (207): the sender is our own gateway or SDK, so a bad event is a
// bug to see at once, and a partial answer would leave a sender that drops on failure (the
// gateway) unsure what to resend.

/** Events older than this, or further ahead than MAX_CLOCK_SKEW_MS, are refused (see sql/0016). */
export const MAX_EVENT_AGE_MS = 24 * 3600_000;
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;
export const MAX_BATCH_EVENTS = 1000;
export const MAX_AGENT_EVENTS = 100;
/** A gateway event's JSON text; packets are bounded by the body limit alone. */
export const MAX_EVENT_CHARS = 16_384;
const MAX_ISSUES = 100;

interface Issue {
  field: string;
  location: "body";
  message: string;
}

export interface Parsed<T> {
  value: T;
  /** Its JSON text, stored as the raw copy. */
  raw: string;
}

export type GatewayBody = { kind: "events"; events: Parsed<GatewayEvent>[] } | { kind: "packet"; packet: Parsed<GatewayPacket> };

function refuse(issues: Issue[], rejected?: number[]): AppError {
  const summary = issues
    .slice(0, 5)
    .map((i) => `${i.field}: ${i.message}`)
    .join("; ");
  return new AppError("invalid_request", `invalid body: ${summary}${issues.length > 5 ? ` (and ${issues.length - 5} more)` : ""}`, {
    details: { issues, ...(rejected ? { rejected_indexes: rejected } : {}) },
  });
}

const one = (field: string, message: string) => refuse([{ field, location: "body", message }]);

const decoder = new TextDecoder("utf-8", { fatal: true });
const MAYBE_UNSTORABLE = /\\u(0000|d[89a-f][0-9a-f]{2})/i;

/** The body's bytes into JSON: UTF-8, no deeper than the API's limit, every string storable. */
export function decodeJson(bytes: Uint8Array): unknown {
  let textBody: string;
  try {
    textBody = decoder.decode(bytes);
  } catch {
    throw one("(body)", "is not UTF-8");
  }
  if (jsonDepth(textBody, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) throw one("(body)", `nests deeper than ${MAX_JSON_DEPTH} levels`);
  let value: unknown;
  try {
    value = JSON.parse(textBody);
  } catch {
    throw one("(body)", "is not valid JSON");
  }
  // A NUL or a lone surrogate can only have come from a \u escape (JSON forbids raw control
  // characters, and the UTF-8 was decoded strictly): without one, the walk has nothing to find.
  if (MAYBE_UNSTORABLE.test(textBody)) checkStorable(value);
  return value;
}

/** Every string and key storable by PostgreSQL (no NUL, no lone surrogate), or a 400 naming the first that is not. */
export function checkStorable(value: unknown): void {
  const unstorable = findUnstorableText(value);
  if (unstorable) throw one(unstorable.field, unstorable.message);
}

function issuesOf(error: z.ZodError, prefix: string): Issue[] {
  return error.issues.map((issue) => ({
    field: [prefix, ...issue.path.map(String)].filter((p) => p !== "").join(".") || "(root)",
    location: "body",
    message: issue.message,
  }));
}

/** The time window every stored timestamp must fall in (its day's partition exists). */
function windowProblem(time: Date, now: Date): string | undefined {
  const t = time.getTime();
  if (t < now.getTime() - MAX_EVENT_AGE_MS) return `is more than ${MAX_EVENT_AGE_MS / 3600_000} h before the receiver's clock (${now.toISOString()}): too late to store`;
  if (t > now.getTime() + MAX_CLOCK_SKEW_MS) return `is more than ${MAX_CLOCK_SKEW_MS / 60_000} min after the receiver's clock (${now.toISOString()}): check the sender's clock`;
  return undefined;
}

function periodIssues(prefix: string, start: Date, end: Date, now: Date): Issue[] {
  const at = (f: string) => [prefix, f].filter((p) => p !== "").join(".");
  const out: Issue[] = [];
  const late = windowProblem(end, now);
  if (late) out.push({ field: at("period_end"), location: "body", message: late });
  if (start > end) out.push({ field: at("period_start"), location: "body", message: "must not be after period_end" });
  else if (end.getTime() - start.getTime() > MAX_EVENT_AGE_MS) out.push({ field: at("period_start"), location: "body", message: "a period longer than 24 h" });
  return out;
}

/** Validates a list element by element, collecting every failing field; the parsed values when none fails. */
function parseList<S extends z.ZodTypeAny>(
  items: unknown[],
  schema: S,
  check: (value: z.output<S>, index: number) => Issue[],
  options: { maxChars?: number; prefix?: (index: number) => string } = {},
): Parsed<z.output<S>>[] {
  const { maxChars, prefix = String } = options;
  const issues: Issue[] = [];
  const rejected: number[] = [];
  const out: Parsed<z.output<S>>[] = [];
  for (let i = 0; i < items.length && issues.length < MAX_ISSUES; i++) {
    const raw = JSON.stringify(items[i]);
    if (maxChars !== undefined && raw.length > maxChars) {
      issues.push({ field: prefix(i) || "(body)", location: "body", message: `an event of ${raw.length} characters; at most ${maxChars}` });
      rejected.push(i);
      continue;
    }
    const result = schema.safeParse(items[i]);
    const found = result.success ? check(result.data, i) : issuesOf(result.error, prefix(i));
    if (result.success && found.length === 0) out.push({ value: result.data, raw });
    else {
      issues.push(...found);
      rejected.push(i);
    }
  }
  if (issues.length > 0) throw refuse(issues.slice(0, MAX_ISSUES), rejected);
  return out;
}

/** POST /v1/ingest: a JSON array of CloudEvents, or one deep packet (an object with source "gateway"). */
export function parseGatewayBody(body: unknown, now: Date): GatewayBody {
  if (Array.isArray(body)) {
    if (body.length === 0) throw one("(body)", "an empty batch");
    if (body.length > MAX_BATCH_EVENTS) throw one("(body)", `a batch of ${body.length} events; at most ${MAX_BATCH_EVENTS}`);
    const events = parseList(body, GatewayEventSchema, (event, i) => {
      const late = windowProblem(event.time.date, now);
      return late ? [{ field: `${i}.time`, location: "body", message: late }] : [];
    }, { maxChars: MAX_EVENT_CHARS });
    return { kind: "events", events };
  }
  if (typeof body === "object" && body !== null && (body as { source?: unknown }).source === "gateway") {
    const result = GatewayPacketSchema.safeParse(body);
    if (!result.success) throw refuse(issuesOf(result.error, ""));
    const problems = periodIssues("", result.data.period_start.date, result.data.period_end.date, now);
    if (problems.length > 0) throw refuse(problems);
    return { kind: "packet", packet: { value: result.data, raw: JSON.stringify(body) } };
  }
  throw one("(body)", 'expected a JSON array of CloudEvents, or a telemetry packet (an object with "source": "gateway")');
}

/** POST /v1/telemetry: one agent.telemetry CloudEvent, or an array of them. */
export function parseAgentBody(body: unknown, now: Date): Parsed<AgentTelemetryEvent>[] {
  const items = Array.isArray(body) ? body : [body];
  if (items.length === 0) throw one("(body)", "an empty batch");
  if (items.length > MAX_AGENT_EVENTS) throw one("(body)", `a batch of ${items.length} packets; at most ${MAX_AGENT_EVENTS}`);
  const prefix = (i: number) => (Array.isArray(body) ? String(i) : "");
  const at = (i: number, field: string) => [prefix(i), field].filter((p) => p !== "").join(".");
  const check = (event: AgentTelemetryEvent, i: number): Issue[] => {
    const late = windowProblem(event.time.date, now);
    const own: Issue[] = late ? [{ field: at(i, "time"), location: "body", message: late }] : [];
    return [...own, ...periodIssues(at(i, "data"), event.data.period_start.date, event.data.period_end.date, now)];
  };
  return parseList(items, AgentTelemetryEventSchema, check, { prefix });
}
