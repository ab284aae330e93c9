import { resolve, type OpenApiDocument, type Schema } from "./spec";

// A plausible value for a schema, so that a request passes validation and its handler runs: the
// schema's example, enum, const or default when it has one, otherwise a value built to its type,
// format, pattern and bounds. Every property is filled in, optional ones too, so that each can be
// mutated; operations whose fields exclude each other get their base from bases.ts.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Where a value sits in a request body: object keys and array indexes from the root. */
export type JsonPath = (string | number)[];

export interface BodySlot {
  path: JsonPath;
  schema: Schema;
  value: Json;
  /** An optional property the base leaves out: mutations add it, with their value. */
  absent?: true;
}

const typesOf = (s: Schema): string[] => (Array.isArray(s.type) ? s.type : s.type ? [s.type] : []);

/** The schema's first concrete type other than null. */
export function mainType(s: Schema): string | undefined {
  return typesOf(s).find((t) => t !== "null");
}

// Strings for schemas with a pattern but no example: the first one the pattern and bounds accept.
const PATTERN_CANDIDATES = ["fuzz", "17", "123456", "5000", "Zm96eg==", "aaa.bbb.ccc", "fuzz-value"];

function sampleString(s: Schema): string {
  if (s.format === "email") return "fuzz@example.com";
  if (s.format === "uuid") return "0b6f8a5e-3c1d-4e2f-9a7b-1c2d3e4f5a6b";
  if (s.format === "date-time") return "2030-01-01T00:00:00.000Z";
  if (s.format === "uri" || s.format === "url") return "https://example.com/fuzz";
  const fits = (v: string) => (!s.pattern || new RegExp(s.pattern, "u").test(v)) && v.length >= (s.minLength ?? 0) && v.length <= (s.maxLength ?? Infinity);
  const found = PATTERN_CANDIDATES.find(fits);
  if (found) return found;
  return "f".repeat(Math.max(1, Math.min(s.minLength ?? 1, s.maxLength ?? 1)));
}

function sampleNumber(s: Schema): number {
  const low = s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1 : undefined);
  const high = s.maximum ?? (s.exclusiveMaximum !== undefined ? s.exclusiveMaximum - 1 : undefined);
  const v = Math.max(low ?? 1, Math.min(high ?? 1, 1));
  return mainType(s) === "integer" ? Math.ceil(v) : v;
}

export function sampleValue(doc: OpenApiDocument, schema: Schema | undefined, depth = 0): Json {
  const s = resolve(doc, schema);
  if (s.example !== undefined) return s.example as Json;
  if (s.const !== undefined) return s.const as Json;
  if (s.enum && s.enum.length > 0) return s.enum[0] as Json;
  if (s.default !== undefined) return s.default as Json;
  const branch = s.oneOf?.[0] ?? s.anyOf?.[0];
  if (branch) return sampleValue(doc, branch, depth + 1);
  if (s.allOf) return Object.assign({}, ...s.allOf.map((p) => sampleValue(doc, p, depth + 1)));
  switch (mainType(s) ?? (s.properties ? "object" : undefined)) {
    case "string":
      return sampleString(s);
    case "integer":
    case "number":
      return sampleNumber(s);
    case "boolean":
      return false;
    case "array": {
      const count = Math.max(1, s.minItems ?? 1);
      return depth > 8 ? [] : Array.from({ length: count }, () => sampleValue(doc, s.items, depth + 1));
    }
    case "object": {
      const out: { [key: string]: Json } = {};
      if (depth > 8) return out;
      for (const [key, prop] of Object.entries(s.properties ?? {})) out[key] = sampleValue(doc, prop, depth + 1);
      if (!s.properties && typeof s.additionalProperties === "object") out.field = sampleValue(doc, s.additionalProperties, depth + 1);
      return out;
    }
    default:
      return typesOf(s).includes("null") ? null : "value";
  }
}

/** The branch of a union (or the schema itself) that describes this value. */
function schemaFor(doc: OpenApiDocument, schema: Schema | undefined, value: Json): Schema {
  const s = resolve(doc, schema);
  const branches = s.oneOf ?? s.anyOf;
  if (!branches) return s;
  const kind = value === null ? "null" : Array.isArray(value) ? "array" : typeof value === "number" ? "number" : typeof value;
  const matches = (b: Schema) => {
    const r = resolve(doc, b);
    const types = typesOf(r).map((t) => (t === "integer" ? "number" : t));
    if (types.includes(kind)) return true;
    return kind === "object" && (r.properties !== undefined || r.additionalProperties !== undefined);
  };
  // Objects of a discriminated union: the branch whose enum'd "type" equals the value's.
  const tag = kind === "object" ? (value as Record<string, Json>).type : undefined;
  const tagged = branches.find((b) => resolve(doc, resolve(doc, b).properties?.type).enum?.includes(tag));
  return resolve(doc, tagged ?? branches.find(matches) ?? branches[0]);
}

/** Every value in a body with the schema that describes it, the root included. */
export function slotsOf(doc: OpenApiDocument, schema: Schema | undefined, value: Json, path: JsonPath = []): BodySlot[] {
  const s = schemaFor(doc, schema, value);
  const out: BodySlot[] = [{ path, schema: s, value }];
  if (Array.isArray(value)) {
    value.forEach((item, i) => out.push(...slotsOf(doc, s.items, item, [...path, i])));
  } else if (value !== null && typeof value === "object") {
    for (const [key, inner] of Object.entries(value)) {
      const extra = typeof s.additionalProperties === "object" ? s.additionalProperties : {};
      out.push(...slotsOf(doc, s.properties?.[key] ?? extra, inner, [...path, key]));
    }
    for (const [key, prop] of Object.entries(s.properties ?? {})) {
      if (key in value) continue;
      const sample = sampleValue(doc, prop);
      out.push({ path: [...path, key], schema: schemaFor(doc, prop, sample), value: sample, absent: true });
    }
  }
  return out;
}

/** The container holding `path`'s last step in `root`, or undefined when an earlier mutation removed it. */
export function parentAt(root: Json, path: JsonPath): Record<string | number, Json> | undefined {
  let node: any = root;
  for (const key of path.slice(0, -1)) {
    if (node === null || typeof node !== "object") return undefined;
    node = node[key];
  }
  return node !== null && typeof node === "object" ? node : undefined;
}

/** A deep copy with the value at `path` replaced (or removed, for `undefined`); unchanged when the path is gone. */
export function setAt(root: Json, path: JsonPath, value: Json | undefined): Json | undefined {
  if (path.length === 0) return value;
  const copy = structuredClone(root);
  const node: any = parentAt(copy, path);
  if (!node) return root;
  const last = path[path.length - 1]!;
  if (value === undefined) {
    if (Array.isArray(node)) node.splice(Number(last), 1);
    else delete node[last];
  } else node[last] = value;
  return copy;
}

export const pathText = (path: JsonPath) => (path.length === 0 ? "(body)" : path.join("."));
