import * as E from "./edits";
import { rightCredentials } from "./bases";
import type { AuthKind, RequestPlan } from "./request";
import { mainType, pathText, slotsOf, type BodySlot, type Json } from "./sample";
import type { OpenApiDocument, Parameter } from "./spec";
import * as V from "./values";

// Every way the fuzzer breaks a plausible request, in classes the bounded test covers for every
// operation. A mutation is a pure function of a plan, so that it applies to a fresh base (a new
// signed intent, say) every time it is sent. "Core" mutations are the ones the bounded test sends
// for every field, not just a sample: the value most likely to break each (NUL, 2^63, maxLength+1).

export const MUTATION_CLASSES = [
  "credentials",
  "nul",
  "surrogate",
  "bad-key",
  "long",
  "wrong-type",
  "number-bounds",
  "body-shape",
  "hostile-path",
  "hostile-query",
  "hostile-format",
  "wrong-method",
  "headers",
] as const;

export type MutationClass = (typeof MUTATION_CLASSES)[number];

export interface Mutation {
  cls: MutationClass;
  /** The operation's base it was made from (bases.ts); applied to a fresh base of the same variant. */
  variant: number;
  /** What it changes and to what: body.name = "a\u0000b", query.limit = 9223372036854775808. */
  target: string;
  core: boolean;
  apply: E.Edit;
}

const short = (v: unknown) => {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 40 ? `${text.slice(0, 30)}…(${text.length})` : text;
};

const ALL_CREDENTIALS: AuthKind[] = ["agentJwt", "agentKey", "agentDevice", "vendorJwt", "gatewayKey", "vendorDevice", "observerJwt", "admin", "recon", "accessTokenQuery"];

type Add = (cls: MutationClass, target: string, apply: E.Edit, core?: boolean) => void;

const CORE_DIGITS = new Set(["9223372036854775807", "9223372036854775808", "99999999999999999999", "-1", "1.5"]);
const coreLiteral = (lit: string, max: number | undefined) => lit === String((max ?? NaN) + 1) || ["9223372036854775808", "1.5", "-1", "1e308"].includes(lit);
const CORE_SEGMENTS = new Set(["%00", "%2F", "..", "99999999999999999999", "9223372036854775808", "%FF", "%ED%A0%80", "x".repeat(5000), encodeURIComponent("1' OR '1'='1")]);
const CORE_QUERY_VALUES = new Set(["%00", "99999999999999999999", "%ED%A0%80", "x".repeat(5000)]);
const CORE_HEADERS = new Set(["Bearer garbage", "Device garbage", `Bearer mp_sk_live_${"A".repeat(32)}`, "x".repeat(300), "99999999999999999999"]);
const CORE_BODIES = new Set(["[]", "", "{", '"a string"']);

/** A string carrying a number: a digit pattern, or an example like "5000" or "500.00". */
const isNumberText = (schema: BodySlot["schema"]) =>
  (schema.pattern !== undefined && schema.pattern.includes("\\d")) || (typeof schema.example === "string" && /^\d+(\.\d+)?$/.test(schema.example));

const BASE58_TEXT = /^[1-9A-HJ-NP-Za-km-z]{32,88}$/;

/** Values aimed at what the field holds, judged from its format and example: URLs, emails, base58, UUIDs. */
function formatValues(schema: BodySlot["schema"], value: string): string[] {
  const example = typeof schema.example === "string" ? schema.example : value;
  const list = /^https?:\/\//.test(example)
    ? V.HOSTILE_URLS
    : schema.format === "email" || example.includes("@")
      ? V.HOSTILE_EMAILS
      : schema.format === "uuid"
        ? V.HOSTILE_UUIDS
        : BASE58_TEXT.test(value)
          ? V.HOSTILE_BASE58
          : [];
  return list;
}

function wrongTypes(value: Json): Json[] {
  const all: Json[] = [42, -1.5, true, null, {}, [], ["x"], [null, 1, {}], "string", { "0": "x" }];
  const kind = (v: Json) => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v);
  return all.filter((w) => kind(w) !== kind(value));
}

/** {"a": {"a": ... 1}} `depth` levels deep, as JSON text. */
const nestedText = (depth: number) => `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;

function bodyMutations(doc: OpenApiDocument, schema: RequestPlan["op"]["body"], base: Json, add: Add) {
  for (const slot of slotsOf(doc, schema, base)) {
    const target = `body.${pathText(slot.path)}`;
    const { path, value } = slot;
    const type = mainType(slot.schema);
    if (typeof value === "string") {
      V.withNul(value).forEach((v, i) => add("nul", `${target} = ${short(v)}`, E.setBody(path, v), i === 0));
      V.withSurrogate(value).forEach((v, i) => add("surrogate", `${target} = ${short(v)}`, E.setBody(path, v), i === 0));
      add("surrogate", `${target} = invalid UTF-8 bytes`, E.invalidUtf8At(path));
      const char = isNumberText(slot.schema) ? "1" : "a";
      if (slot.schema.maxLength !== undefined) add("long", `${target} = maxLength+1`, E.setBody(path, char.repeat(slot.schema.maxLength + 1)), true);
      add("long", `${target} = 100k chars`, E.setBody(path, char.repeat(100_000)), slot.schema.maxLength === undefined);
      for (const v of formatValues(slot.schema, value)) add("hostile-format", `${target} = ${short(v)}`, E.setBody(path, v), true);
      if (isNumberText(slot.schema)) {
        for (const d of V.DIGIT_STRINGS) add("number-bounds", `${target} = ${short(d)}`, E.setBody(path, d), CORE_DIGITS.has(d));
        for (const n of ["5000", "1e21", "9223372036854775808"]) add("wrong-type", `${target} = number ${n}`, E.setLiteral(path, n));
      }
    }
    if (typeof value === "number" || type === "integer" || type === "number") {
      for (const lit of V.numberLiterals(slot.schema.minimum, slot.schema.maximum)) {
        add("number-bounds", `${target} = ${lit}`, E.setLiteral(path, lit), coreLiteral(lit, slot.schema.maximum));
      }
    }
    if (Array.isArray(value) && value.length > 0) {
      const max = slot.schema.maxItems;
      if (max !== undefined) add("long", `${target} = maxItems+1 items`, E.setBody(path, Array.from({ length: max + 1 }, () => value[0]!)), true);
      add("long", `${target} = 10k items`, E.setBody(path, Array.from({ length: 10_000 }, () => value[0]!)));
    }
    if (value !== null && typeof value === "object" && !Array.isArray(value) && !slot.absent) {
      V.HOSTILE_KEYS.forEach((key, i) => add("bad-key", `${target} key ${short(key)}`, E.addKey(path, key), i === 0));
    }
    if (value !== null && typeof value === "object") {
      // As JSON text: JSON.stringify itself runs out of stack long before 50k levels.
      for (const depth of [5000, 50_000]) add("long", `${target} = nested ${depth} deep`, E.setLiteral(path, nestedText(depth)), depth === 50_000);
    }
    if (path.length > 0) {
      if (!slot.absent) add("wrong-type", `${target} removed`, E.removeFromBody(path));
      wrongTypes(value).forEach((w, i) => add("wrong-type", `${target} = ${short(w)}`, E.setBody(path, w), i === 0));
    }
  }
}

function paramMutations(params: Parameter[], add: Add) {
  for (const p of params) {
    const target = `${p.in}.${p.name}`;
    const schema = p.schema ?? {};
    const type = mainType(schema);
    const numeric = type === "integer" || type === "number" || isNumberText(schema);
    const setText =
      (v: string): E.Edit =>
      (plan) =>
        p.in === "path"
          ? { ...plan, pathParams: { ...plan.pathParams, [p.name]: v } }
          : p.in === "query"
            ? { ...plan, query: [...plan.query.filter(([k]) => k !== p.name), [p.name, v]] }
            : E.setHeader(p.name, v)(plan);
    const setRaw =
      (v: string): E.Edit =>
      (plan) =>
        p.in === "path"
          ? { ...plan, rawPathParams: { ...plan.rawPathParams, [p.name]: v } }
          : E.appendQuery(`${p.name}=${v}`)({ ...plan, query: plan.query.filter(([k]) => k !== p.name) });
    if (p.in === "header") {
      const values = p.name === "last-event-id" ? V.LAST_EVENT_IDS : V.IDEMPOTENCY_KEYS;
      for (const v of values) add("headers", `${target} = ${short(v)}`, setText(v), CORE_HEADERS.has(v));
      if (schema.maxLength !== undefined) add("long", `${target} = maxLength+1`, setText("1".repeat(schema.maxLength + 1)), true);
      continue;
    }
    const char = numeric ? "1" : "a";
    V.withNul(String(schema.example ?? "a")).forEach((v, i) => add("nul", `${target} = ${short(v)}`, setText(v), i === 0));
    V.BROKEN_ENCODINGS.forEach((v, i) => add("surrogate", `${target} = ${v}`, setRaw(v), i === 0));
    if (schema.maxLength !== undefined) add("long", `${target} = maxLength+1`, setText(char.repeat(schema.maxLength + 1)), true);
    // 8k reaches the app (Bun's header limit is 16 KiB); 100k is refused by the HTTP server itself.
    add("long", `${target} = 8k chars`, setText(char.repeat(8000)), true);
    add("long", `${target} = 100k chars`, setText(char.repeat(100_000)));
    if (numeric) for (const d of V.DIGIT_STRINGS) add("number-bounds", `${target} = ${short(d)}`, setText(d), CORE_DIGITS.has(d));
    if (type === "integer" || type === "number") {
      for (const lit of V.numberLiterals(schema.minimum, schema.maximum)) add("number-bounds", `${target} = ${lit}`, setText(lit), coreLiteral(lit, schema.maximum));
      ["abc", "true", "[]", "{}", "null"].forEach((w, i) => add("wrong-type", `${target} = ${w}`, setText(w), i === 0));
    }
    if (p.in === "path") {
      for (const v of V.HOSTILE_SEGMENTS) add("hostile-path", `${target} = ${short(v)}`, setRaw(v), CORE_SEGMENTS.has(v));
    } else {
      for (const v of V.HOSTILE_QUERY_VALUES) add("hostile-query", `${target} = ${short(v)}`, setRaw(v), CORE_QUERY_VALUES.has(v));
      if (p.name.includes("cursor")) V.FORGED_CURSORS.forEach((v, i) => add("hostile-query", `${target} = forged ${Buffer.from(v, "base64url").toString("utf8").slice(0, 60)}`, setText(v), true));
      add("hostile-query", `${target} twice`, E.appendQuery(`${p.name}=1&${p.name}=2`));
      add("hostile-query", `${target} without =`, (plan) => E.appendQuery(p.name)({ ...plan, query: plan.query.filter(([k]) => k !== p.name) }));
    }
  }
}

function bodyShapeMutations(plan: RequestPlan, add: Add) {
  const baseText = plan.body?.kind === "json" ? JSON.stringify(plan.body.value) : "{}";
  const raw = (label: string, data: string | Uint8Array, contentType: string | null = "application/json", core = false) => add("body-shape", label, E.rawBody(data, contentType), core);
  for (const bare of ['"a string"', "42", "[]", "[{}]", "null", "true", '"\\u0000"', "{}"]) raw(`body = ${bare}`, bare, "application/json", CORE_BODIES.has(bare));
  for (const broken of ["", "{", '{"a":}', `${baseText}}`, `${baseText} garbage`, "{\u0000}", `{"a":"\u0000"}`, '{"a":1e400}', `\ufeff${baseText}`, "[".repeat(100_000), '{"a":'.repeat(50_000)]) {
    raw(`body = ${short(broken)}`, broken, "application/json", CORE_BODIES.has(broken));
  }
  // Valid JSON nested past any parser's or database's stack (jsonb, recursive checks).
  for (const depth of [1000, 50_000]) raw(`body nested ${depth} deep`, nestedText(depth), "application/json", depth === 50_000);
  raw("body of 2 MB (over BODY_LIMIT_BYTES)", `{"a":"${"x".repeat(2_000_000)}"}`, "application/json", true);
  raw("body = invalid UTF-8", new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]));
  raw("no content-type", baseText, null, true);
  for (const ct of V.CONTENT_TYPES) raw(`content-type ${short(ct)}`, baseText, ct, ct === "text/plain");
  raw("form body", "name=x&amount_atomic=1", "application/x-www-form-urlencoded");
  const value = plan.body?.kind === "json" ? plan.body.value : undefined;
  const first = value !== null && typeof value === "object" && !Array.isArray(value) ? Object.keys(value)[0] : undefined;
  if (first) raw(`duplicate key ${first} (second with NUL)`, `${baseText.slice(0, -1)},${JSON.stringify(first)}:"\\u0000"}`);
}

function headerMutations(plan: RequestPlan, add: Add) {
  for (const v of V.AUTHORIZATIONS) add("headers", `authorization = ${short(v)}`, (p) => E.setHeader("authorization", v)({ ...p, auth: "none" }), CORE_HEADERS.has(v));
  for (const v of V.IDEMPOTENCY_KEYS) add("headers", `idempotency-key = ${short(v)}`, E.setHeader("idempotency-key", v));
  for (const v of V.REQUEST_IDS) add("headers", `x-request-id = ${short(v)}`, E.setHeader("x-request-id", v));
  for (const v of V.LAST_EVENT_IDS) add("headers", `last-event-id = ${short(v)}`, E.setHeader("last-event-id", v));
  V.FORWARDED_FORS.forEach((v, i) => add("headers", `x-forwarded-for = ${short(v)}`, E.setHeader("x-forwarded-for", v), i === 5));
  add("headers", "accept: text/html", E.setHeader("accept", "text/html"));
  if (plan.op.method !== "GET") add("headers", "x-http-method-override: DELETE", E.setHeader("x-http-method-override", "DELETE"));
}

/** Every mutation of one base of an operation. */
export function mutationsFor(doc: OpenApiDocument, template: RequestPlan, variant = 0): Mutation[] {
  const out: Mutation[] = [];
  const add: Add = (cls, target, apply, core = false) => out.push({ cls, variant, target, core, apply });
  const op = template.op;
  if (template.auth !== "none") add("credentials", "no credential", (p) => ({ ...p, auth: "none" }), true);
  // Somebody else's valid credentials: another role, a read-only device on a write, the admin token on a user route.
  const others = ALL_CREDENTIALS.filter((k) => !rightCredentials(op).includes(k));
  others.forEach((auth, i) => add("credentials", `credential of ${auth}`, (p) => ({ ...p, auth }), i === 0));
  const body = E.jsonBody(template);
  if (op.body && body !== undefined) bodyMutations(doc, op.body, body, add);
  if (op.body || op.method === "DELETE") bodyShapeMutations(template, add);
  paramMutations(op.params, add);
  // Every operation takes a query string, declared or not.
  add("nul", "query fuzz = %00", E.appendQuery("fuzz=%00"), true);
  add("surrogate", "query fuzz = %ED%A0%80", E.appendQuery("fuzz=%ED%A0%80"), true);
  add("long", "query fuzz = 100k chars", E.appendQuery(`fuzz=${"a".repeat(100_000)}`));
  for (const q of V.HOSTILE_QUERY_STRINGS) add("hostile-query", `query ${short(q)}`, E.appendQuery(q));
  headerMutations(template, add);
  // TRACE is left out: fetch refuses it (a forbidden method).
  for (const method of ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "PROPFIND"]) {
    if (method !== op.method) add("wrong-method", `method ${method}`, (p) => ({ ...p, method }), true);
  }
  return out;
}
