// A response schema of the OpenAPI document made strict for the tests: $refs inlined, and every
// object closed to the fields it declares, so that an extra field in an answer (a key hash, an
// internal id) fails instead of passing unseen. zod-openapi writes objects open (no
// additionalProperties), which is what a client should tolerate, not what our own tests should.

export type JsonSchema = { [key: string]: unknown };

export interface SchemaDocument {
  components?: { schemas?: Record<string, JsonSchema> };
}

const COMBINATORS = ["allOf", "anyOf", "oneOf"] as const;
const REF_PREFIX = "#/components/schemas/";

const isSchema = (v: unknown): v is JsonSchema => v !== null && typeof v === "object" && !Array.isArray(v);

/** A copy with every `#/components/schemas/...` reference replaced by the component itself. */
export function inlineRefs(doc: SchemaDocument, schema: JsonSchema, seen: string[] = []): JsonSchema {
  const ref = schema.$ref;
  if (typeof ref === "string") {
    if (!ref.startsWith(REF_PREFIX)) throw new Error(`strict schema: unsupported $ref ${ref}`);
    const name = ref.slice(REF_PREFIX.length);
    if (seen.includes(name)) throw new Error(`strict schema: recursive component ${[...seen, name].join(" -> ")}`);
    const target = doc.components?.schemas?.[name];
    if (!target) throw new Error(`strict schema: unknown component ${name}`);
    const { $ref: _ref, ...siblings } = schema;
    const inlined = inlineRefs(doc, target, [...seen, name]);
    return Object.keys(siblings).length === 0 ? inlined : { allOf: [inlined], ...siblings };
  }
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (Array.isArray(value)) out[key] = value.map((v) => (isSchema(v) ? inlineRefs(doc, v, seen) : v));
    else if (isSchema(value) && key !== "example" && key !== "default" && key !== "const") out[key] = inlineRefs(doc, value, seen);
    else out[key] = value;
  }
  return out;
}

const mayBeObject = (s: JsonSchema) => {
  const types = Array.isArray(s.type) ? s.type : s.type === undefined ? [] : [s.type];
  return types.includes("object") || s.properties !== undefined || COMBINATORS.some((k) => s[k] !== undefined);
};

/**
 * Closes every object to its declared fields. A member of allOf / anyOf / oneOf stays open, and
 * the object holding the combinator is closed with `unevaluatedProperties: false` (JSON Schema
 * 2020-12), which counts the fields any matching member declared: closing each member alone
 * would refuse the fields of the others. Free-form objects (`additionalProperties: {}`) stay free.
 */
export function closeObjects(schema: JsonSchema, member = false): JsonSchema {
  const out: JsonSchema = { ...schema };
  for (const key of COMBINATORS) {
    const list = out[key];
    if (Array.isArray(list)) out[key] = list.map((m) => (isSchema(m) ? closeObjects(m, true) : m));
  }
  if (isSchema(out.properties)) {
    out.properties = Object.fromEntries(Object.entries(out.properties).map(([k, v]) => [k, isSchema(v) ? closeObjects(v) : v]));
  }
  if (isSchema(out.items)) out.items = closeObjects(out.items);
  if (Array.isArray(out.prefixItems)) out.prefixItems = out.prefixItems.map((v) => (isSchema(v) ? closeObjects(v) : v));
  if (isSchema(out.additionalProperties)) out.additionalProperties = closeObjects(out.additionalProperties);
  const open = out.additionalProperties === undefined && out.unevaluatedProperties === undefined;
  if (!member && open && mayBeObject(out)) out.unevaluatedProperties = false;
  return out;
}

/** The strict form of a schema of `doc`: what the tests hold every answer to. */
export const strictSchema = (doc: SchemaDocument, schema: JsonSchema): JsonSchema => closeObjects(inlineRefs(doc, schema));
