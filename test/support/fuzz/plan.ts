import { baseOverride, DROP } from "./bases";
import type { FuzzCast } from "./cast";
import type { AuthKind, RequestPlan } from "./request";
import { sampleValue, type Json } from "./sample";
import type { OpenApiDocument, Operation } from "./spec";

// The plausible request of an operation: parameters and body from the schema (and bases.ts),
// sent as `auth`. Optional query parameters are left out unless the schema suggests a value;
// the mutations add them.

const asText = (v: Json) => (typeof v === "string" ? v : JSON.stringify(v));

export async function basePlan(doc: OpenApiDocument, op: Operation, cast: FuzzCast, auth: AuthKind, variant = 0): Promise<RequestPlan> {
  const override = await baseOverride(op, cast, variant);
  const pathParams: Record<string, string> = {};
  const query: [string, string][] = [];
  for (const p of op.params) {
    const given = override.params?.[p.name];
    if (given === DROP) continue;
    const suggested = p.schema?.example ?? p.schema?.default ?? p.schema?.enum?.[0];
    if (p.in === "path") pathParams[p.name] = given ?? asText(sampleValue(doc, p.schema));
    else if (p.in === "query" && (given !== undefined || p.required || suggested !== undefined)) query.push([p.name, given ?? asText(sampleValue(doc, p.schema))]);
  }
  let body: RequestPlan["body"];
  if (op.body) {
    let value = sampleValue(doc, op.body);
    if (override.body && value !== null && typeof value === "object" && !Array.isArray(value)) {
      value = { ...value };
      for (const [k, v] of Object.entries(override.body)) {
        if (v === DROP) delete value[k];
        else value[k] = v;
      }
    }
    body = { kind: "json", value, contentType: "application/json" };
  }
  return { op, pathParams, rawPathParams: {}, query, rawQuery: "", headers: {}, ...(body ? { body } : {}), literals: {}, auth, ...(override.resign ? { resign: override.resign } : {}) };
}
