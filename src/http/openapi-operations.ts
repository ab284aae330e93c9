import { ERROR_CODES, roleRequired, type ErrorCode } from "@/core/error-codes";
import { ACCESS_EXTENSION, type AccessRule, type Credential } from "./guards";

// What every operation's description says beyond its own words, written once: who may call it
// (from the same `x-machpay-access` rule its guard enforces), what it costs (the operation's
// entry in the catalogue the composition root passes), and the error codes it can answer, each
// with the status and meaning of src/core/error-codes.ts, so the document cannot drift from them.

/** The hand-written part of an operation's documentation, by operationId (src/app/operation-docs.ts). */
export interface OperationDoc {
  /** What it costs: the money it moves, fees, limits. Rate limits are added from the declared 429. */
  cost: string;
  /** The codes of its own domain it can answer (each one's status must be a declared response). */
  codes?: readonly ErrorCode[];
}

/** Machine-readable twin of the "Errors" paragraph: the codes each status of the operation can carry. */
export const ERRORS_EXTENSION = "x-machpay-errors";

type Operation = {
  operationId?: string;
  description?: string;
  parameters?: unknown[];
  requestBody?: unknown;
  responses?: Record<string, unknown>;
  [ACCESS_EXTENSION]?: AccessRule;
  [ERRORS_EXTENSION]?: Record<string, ErrorCode[]>;
};

const CREDENTIAL_TEXT: Record<Credential, string> = {
  jwt: "an access JWT (`Authorization: Bearer <jwt>`)",
  api_key: "an API key",
  gateway_key: "a gateway key (mp_gk_live_...)",
  device: "a linked device's signature (`Authorization: Device <pubkey>:<ts>:<sig>`)",
  admin_token: "the server's ADMIN_TOKEN as a bearer token",
  recon_hmac: "an HMAC-SHA-256 of the raw body under RECON_WEBHOOK_SECRET (`X-MachPay-Signature: sha256=<hex>`)",
};

/** How a document's device credential is sent (the receiver's Ingest signature covers the body, so it may write). */
export interface DeviceScheme {
  text?: string;
  signsWrites?: boolean;
}

const ROLE_TEXT = { any: "A signed-in user of any role", architect: "An agent (a user with the architect role)", operator: "A vendor (a user with the operator role)" } as const;

/** The "Who may call" sentence, from the operation's access rule and method (writes need a write permission). */
export function accessSentence(rule: AccessRule, method: string, device: DeviceScheme = {}): string {
  const deviceText = device.text ?? CREDENTIAL_TEXT.device;
  const read = method === "get" || method === "head";
  if (rule.credentials.length === 0) return "Anyone: a public operation, no credential needed (one sent anyway is ignored when invalid).";
  // A device signature holds read only, so a write that lists it (the user's credentials) refuses it.
  const refusesDevice = !read && !device.signsWrites && rule.credentials.includes("device") && rule.credentials.length > 1;
  const creds = rule.credentials
    .filter((c) => !(refusesDevice && c === "device"))
    .map((c) => (c === "api_key" ? `an API key with the ${read ? "read" : "write"} permission` : c === "device" ? deviceText : CREDENTIAL_TEXT[c]));
  const who = rule.credentials.includes("gateway_key")
    ? "A vendor's gateway"
    : rule.role
      ? ROLE_TEXT[rule.role as keyof typeof ROLE_TEXT] ?? `A user with the ${rule.role} role`
      : rule.credentials.includes("admin_token")
        ? "The server's operators"
        : rule.credentials.includes("recon_hmac")
          ? "The reconciliation service"
          : "A linked device";
  return `${who}, with ${creds.join("; or ")}.${refusesDevice ? " A device signature is read only: refused here." : ""}`;
}

/** The codes an operation can answer because of how it is called: its credentials, role and inputs. */
function derivedCodes(op: Operation): ErrorCode[] {
  const rule = op[ACCESS_EXTENSION];
  const codes: ErrorCode[] = [];
  if (op.parameters?.length || op.requestBody) codes.push("invalid_request");
  for (const c of rule?.credentials ?? []) {
    if (c === "jwt") codes.push("invalid_authorization", "unauthorized", "invalid_token");
    if (c === "api_key") codes.push("invalid_api_key", "insufficient_permissions");
    if (c === "gateway_key") codes.push("invalid_api_key", "gateway_key_required");
    if (c === "device") codes.push("invalid_device_signature", "device_not_linked", "proof_expired");
    if (c === "admin_token") codes.push("unauthorized", "admin_disabled");
    if (c === "recon_hmac") codes.push("invalid_signature", "recon_disabled");
  }
  if (rule?.role === "architect" || rule?.role === "operator") codes.push(roleRequired(rule.role));
  if (rule?.credentials.length === 1 && rule.credentials[0] === "jwt") codes.push("session_required");
  codes.push("rate_limited", "database_unavailable", "internal_error");
  return codes;
}

/**
 * Completes each operation of a built document: its description gains "Who may call", "Cost" and
 * "Errors" paragraphs and `x-machpay-errors`. Codes whose status the operation does not declare are
 * left out (a derived code may not apply); the catalogue's own codes are checked by
 * test/contract/openapi-lint.test.ts to have their status declared.
 */
export function completeOperations(
  paths: Record<string, Record<string, Operation>>,
  catalogue: Readonly<Record<string, OperationDoc>>,
  options: { device?: DeviceScheme } = {},
) {
  for (const methods of Object.values(paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const doc = op.operationId ? catalogue[op.operationId] : undefined;
      const declared = new Set(Object.keys(op.responses ?? {}));
      const byStatus: Record<string, ErrorCode[]> = {};
      for (const code of new Set([...derivedCodes(op), ...(doc?.codes ?? [])])) {
        const status = String(ERROR_CODES[code].status);
        if (!declared.has(status)) continue;
        (byStatus[status] ??= []).push(code);
      }
      const statuses = Object.keys(byStatus).sort();
      const errors = statuses.map((s) => `- ${s}: ${byStatus[s]!.map((c) => `\`${c}\` (${ERROR_CODES[c].meaning})`).join("; ")}`).join("\n");
      const rule = op[ACCESS_EXTENSION];
      const cost = [doc?.cost ?? "Moves no money.", declared.has("429") ? "Rate limited: over the limit it answers 429 `rate_limited` with Retry-After." : ""].filter(Boolean).join(" ");
      op.description = [
        op.description,
        rule ? `**Who may call:** ${accessSentence(rule, method, options.device)}` : undefined,
        `**Cost:** ${cost}`,
        statuses.length ? `**Errors** (the \`error.code\` of each status):\n${errors}` : undefined,
      ]
        .filter(Boolean)
        .join("\n\n");
      if (statuses.length) op[ERRORS_EXTENSION] = Object.fromEntries(statuses.map((s) => [s, byStatus[s]!]));
    }
  }
}
