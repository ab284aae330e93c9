import Ajv2020, { type ValidateFunction } from "ajv/dist/2020";
import { strictSchema, type JsonSchema, type SchemaDocument } from "./strict";

// Holds an answer of the app to what the OpenAPI document declares for its operation and status,
// strictly (strict.ts). zod-openapi validates requests, never responses, so this is where a
// field leaking out of a handler, or a document that forgot one, is seen.

interface ResponseObject {
  content?: Record<string, { schema?: JsonSchema }>;
}

interface OperationObject {
  operationId?: string;
  responses?: Record<string, ResponseObject>;
}

export interface ResponseDocument extends SchemaDocument {
  paths: Record<string, Record<string, OperationObject>>;
}

interface Route {
  method: string;
  template: string;
  pattern: RegExp;
  /** Path parameters: a literal segment beats a parameter (/v1/services/search over /v1/services/{id}). */
  params: number;
  op: OperationObject;
}

export interface Answer {
  method: string;
  url: string;
  status: number;
  contentType: string;
  text: string;
}

/** What the check found: a violation of the declared schema, or an answer the document does not declare. */
export type Finding = { kind: "violation" | "undeclared"; what: string; detail: string };

const METHODS = new Set(["get", "post", "put", "patch", "delete"]);

// The date-time, email and uuid formats the document uses, checked as a client would parse them.
const FORMATS = {
  "date-time": (v: string) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(v) && !Number.isNaN(Date.parse(v)),
  email: /^[^\s@]+@[^\s@]+$/,
  uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
};

export const isJsonContentType = (contentType: string) => /^application\/(?:[\w.+-]*\+)?json\b/i.test(contentType);

function routesOf(doc: ResponseDocument): Route[] {
  const routes: Route[] = [];
  for (const [template, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!METHODS.has(method)) continue;
      const source = template.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\\?\{[^}]+\\?\}/g, "[^/]+");
      routes.push({ method: method.toUpperCase(), template, pattern: new RegExp(`^${source}$`), params: (template.match(/\{/g) ?? []).length, op });
    }
  }
  return routes.sort((a, b) => a.params - b.params);
}

export class ResponseChecker {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true, formats: FORMATS });
  private readonly routes: Route[];
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(private readonly doc: ResponseDocument) {
    this.routes = routesOf(doc);
  }

  /** The operation a request reached, by method and path; undefined outside the document. */
  route(method: string, pathname: string): Route | undefined {
    return this.routes.find((r) => r.method === method && r.pattern.test(pathname));
  }

  private validator(key: string, schema: JsonSchema): ValidateFunction {
    let v = this.validators.get(key);
    if (!v) this.validators.set(key, (v = this.ajv.compile(strictSchema(this.doc, schema))));
    return v;
  }

  /** Checks one JSON answer; undefined when it is what the document declares. */
  check(answer: Answer): Finding | undefined {
    const pathname = new URL(answer.url).pathname;
    const route = this.route(answer.method, pathname);
    const what = `${answer.method} ${route?.template ?? pathname} -> ${answer.status}`;
    let body: unknown;
    try {
      body = JSON.parse(answer.text);
    } catch {
      return { kind: "violation", what, detail: `the body is not JSON: ${answer.text.slice(0, 120)}` };
    }
    const declared = route?.op.responses?.[String(answer.status)] ?? route?.op.responses?.default;
    const schema = declared?.content?.["application/json"]?.schema;
    if (!schema) {
      // Not declared: an error must still be the envelope; anything else is the document's gap.
      const envelope = this.doc.components?.schemas?.Error;
      if (answer.status >= 400 && envelope) {
        const problem = this.validate("#Error", envelope, body);
        if (problem) return { kind: "violation", what, detail: problem };
      }
      const where = route ? (declared ? "declares no JSON body for this status" : "does not declare this status") : "has no such operation";
      return { kind: "undeclared", what, detail: `the document ${where}` };
    }
    const problem = this.validate(`${answer.method} ${route!.template} ${answer.status}`, schema, body);
    return problem ? { kind: "violation", what, detail: problem } : undefined;
  }

  private validate(key: string, schema: JsonSchema, body: unknown): string | undefined {
    const validate = this.validator(key, schema);
    if (validate(body)) return undefined;
    const errors = (validate.errors ?? []).map((e) => {
      const field = e.keyword === "unevaluatedProperties" ? ` "${String(e.params.unevaluatedProperty)}"` : "";
      return `${e.instancePath || "(body)"} ${e.message}${field}`;
    });
    return `${[...new Set(errors)].join("; ")} in ${JSON.stringify(body).slice(0, 400)}`;
  }
}
