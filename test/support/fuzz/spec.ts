import type { AccessRule } from "@/http/guards";
import { UPLOT_SCRIPT, UPLOT_STYLE } from "@/console";
import { API_REFERENCE_SCRIPT } from "@/http/api-reference";

// The part of an OpenAPI 3.1 document the fuzzer (and the security suite) reads: every path x
// method, its parameters, its JSON body schema, its security and who may call it
// (x-machpay-access), with $refs resolved against components.schemas.

export interface Schema {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  minItems?: number;
  maxItems?: number;
  oneOf?: Schema[];
  anyOf?: Schema[];
  allOf?: Schema[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  example?: unknown;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
}

export interface Parameter {
  in: "path" | "query" | "header" | "cookie";
  name: string;
  required?: boolean;
  schema?: Schema;
  example?: unknown;
}

interface OperationObject {
  operationId?: string;
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: Schema }> };
  security?: Record<string, string[]>[];
  "x-machpay-access"?: AccessRule;
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, OperationObject>>;
  components?: { schemas?: Record<string, Schema> };
}

export interface Operation {
  /** operationId, or "METHOD path" for routes outside the document. */
  id: string;
  method: string;
  /** The templated path, e.g. /v1/vendor/endpoints/{id}. */
  path: string;
  params: Parameter[];
  body?: Schema;
  /** Some security requirement names bearerAuth. */
  bearer: boolean;
  /** A browser page: its refusals are HTML pages, not the JSON envelope. */
  html: boolean;
  /** Who may call it, as the document says; undefined when the operation does not say. */
  access?: AccessRule;
}

const METHODS = ["get", "post", "put", "patch", "delete"];

/** Follows $ref (and single-member allOf) until a concrete schema; unknown refs become {}. */
export function resolve(doc: OpenApiDocument, schema: Schema | undefined): Schema {
  let s = schema ?? {};
  for (let depth = 0; depth < 32; depth++) {
    if (s.$ref) {
      const name = s.$ref.replace("#/components/schemas/", "");
      s = doc.components?.schemas?.[name] ?? {};
    } else if (s.allOf && s.allOf.length === 1 && !s.properties) {
      s = s.allOf[0]!;
    } else return s;
  }
  return s;
}

export function operationsOf(doc: OpenApiDocument): Operation[] {
  const out: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!METHODS.includes(method)) continue;
      const json = op.requestBody?.content?.["application/json"];
      out.push({
        id: op.operationId ?? `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        params: (op.parameters ?? []).map((p) => ({ ...p, schema: resolve(doc, p.schema) })),
        ...(json ? { body: json.schema ?? {} } : {}),
        bearer: (op.security ?? []).some((req) => "bearerAuth" in req),
        html: false,
        ...(op["x-machpay-access"] ? { access: op["x-machpay-access"] } : {}),
      });
    }
  }
  return out;
}

const undocumented = (path: string, html: boolean, params: Parameter[] = []): Operation => ({
  id: `GET ${path}`,
  method: "GET",
  path,
  params,
  bearer: false,
  html,
});

/**
 * Routes registered with plain app.get, outside the document (HTML pages, their scripts, the
 * reference page, the document itself): the fuzzer sends them hostile query strings and headers too.
 */
export const UNDOCUMENTED_ROUTES: Operation[] = [
  undocumented("/openapi.json", false),
  undocumented("/docs", true),
  undocumented(API_REFERENCE_SCRIPT, true),
  undocumented("/console", true),
  undocumented("/console/live", true),
  undocumented("/console/link", true, [{ in: "query", name: "code", required: true, schema: { type: "string", example: "BCDF-GHJK" } }]),
  undocumented("/console/auth/cli", true, [{ in: "query", name: "port", required: true, schema: { type: "string", example: "53682" } }]),
  undocumented("/console/assets/link.js", true),
  undocumented("/console/assets/live.js", true),
  undocumented("/console/assets/signin.js", true),
  undocumented("/", true),
  undocumented("/console/account", true),
  undocumented("/console/assets/account.js", true),
  undocumented(UPLOT_SCRIPT, true),
  undocumented(UPLOT_STYLE, true),
];
