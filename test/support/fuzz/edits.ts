import { literalMarker, type RequestPlan } from "./request";
import { parentAt, setAt, type Json, type JsonPath } from "./sample";

// The edits mutations are made of: pure functions from a plan to a plan. An edit whose target an
// earlier edit removed (two mutations stacked) leaves the plan as it is.

export type Edit = (plan: RequestPlan) => RequestPlan;

export function jsonBody(plan: RequestPlan): Json | undefined {
  return plan.body?.kind === "json" ? plan.body.value : undefined;
}

const withBodyValue = (plan: RequestPlan, value: Json | undefined): RequestPlan =>
  plan.body?.kind === "json" && value !== undefined ? { ...plan, body: { ...plan.body, value } } : plan;

export const setBody =
  (path: JsonPath, value: Json): Edit =>
  (plan) => {
    const root = jsonBody(plan);
    return root === undefined ? plan : withBodyValue(plan, setAt(root, path, value));
  };

export const removeFromBody =
  (path: JsonPath): Edit =>
  (plan) => {
    const root = jsonBody(plan);
    return root === undefined ? plan : withBodyValue(plan, setAt(root, path, undefined));
  };

/** A JSON literal JSON.stringify cannot write (-0, 2^64, 1e400) at `path`. */
export const setLiteral =
  (path: JsonPath, literal: string): Edit =>
  (plan) => {
    const marker = literalMarker(Object.keys(plan.literals).length);
    return { ...setBody(path, marker)(plan), literals: { ...plan.literals, [marker]: literal } };
  };

/** An extra own key on the object at `path` (an own "__proto__" too, which plain assignment cannot make). */
export const addKey =
  (path: JsonPath, key: string): Edit =>
  (plan) => {
    const root = jsonBody(plan);
    if (root === undefined) return plan;
    const copy = structuredClone(root);
    const node: any = path.length === 0 ? copy : parentAt(copy, path)?.[path[path.length - 1]!];
    if (node === null || typeof node !== "object") return plan;
    Object.defineProperty(node, key, { value: key === "__proto__" ? { polluted: true } : "x", enumerable: true, configurable: true, writable: true });
    return withBodyValue(plan, copy);
  };

/** The body's bytes with invalid UTF-8 (an overlong NUL, a surrogate's WTF-8) inside the string at `path`. */
export const invalidUtf8At =
  (path: JsonPath): Edit =>
  (plan) => {
    const root = jsonBody(plan);
    if (root === undefined) return plan;
    const marker = "__fuzz_bytes__";
    const [before, after] = JSON.stringify(setAt(root, path, marker)).split(marker) as [string, string];
    if (after === undefined) return plan;
    const data = new Uint8Array(Buffer.concat([Buffer.from(before), Buffer.from([0xff, 0xc0, 0x80, 0xed, 0xa0, 0x80]), Buffer.from(after)]));
    return { ...plan, body: { kind: "raw", data, contentType: "application/json" } };
  };

export const rawBody =
  (data: string | Uint8Array, contentType: string | null): Edit =>
  (plan) => ({ ...plan, body: { kind: "raw", data, contentType } });

export const appendQuery =
  (text: string): Edit =>
  (plan) => ({ ...plan, rawQuery: [plan.rawQuery, text].filter(Boolean).join("&") });

export const setHeader =
  (name: string, value: string): Edit =>
  (plan) => ({ ...plan, headers: { ...plan.headers, [name]: value } });
