import type { AccessRule, Credential } from "@/http/guards";
import { TEST_ADMIN_TOKEN, TEST_RECON_SECRET } from "../app";
import type { Operation } from "../fuzz/spec";
import type { BadToken, RoleCredentials, SecurityCast } from "./cast";
import { ownedResource } from "./resources";
import { bearer, withHeader, type Caller } from "./send";

// The attacks the shared security suite (style guide §3.11) sends to one operation, derived from
// what its x-machpay-access says: who may call it (role) and with what (credentials). Each is a
// caller and the refusal it must meet; the positive controls are the callers that must get past
// the guards, so that no refusal passes because the request was wrong in another way.

export interface Refusal {
  status: number[];
  /** Accepted error codes; any envelope code when absent. */
  codes?: string[];
  /** Fields the error's details must hold. */
  details?: Record<string, unknown>;
  /** A 401 that names the scheme to use (WWW-Authenticate: Bearer ...). */
  challenge?: true;
}

export interface SecurityCase {
  name: string;
  caller: (cast: SecurityCast) => Caller;
  expect: Refusal;
  /** Path parameters replacing the base request's (another user's resource). */
  pathParams?: (cast: SecurityCast) => Record<string, string>;
}

export interface Control {
  name: string;
  caller: (cast: SecurityCast) => Caller | Promise<Caller>;
}

export type Family = "user" | "admin" | "recon" | "device";

export function familyOf(rule: AccessRule): Family {
  if (rule.credentials.includes("admin_token")) return "admin";
  if (rule.credentials.includes("recon_hmac")) return "recon";
  if (rule.role === undefined) return "device";
  return "user";
}

const writes = (op: Operation) => op.method !== "GET" && op.method !== "HEAD";
const refused = (status: number, ...codes: string[]): Refusal => ({ status: [status], ...(codes.length > 0 ? { codes } : {}) });
const REFUSED_ANYHOW: Refusal = { status: [401, 403] };

/** The credentials of the user the operation is for ("any": an architect, who can hold every kind). */
export const rightUser = (rule: AccessRule, cast: SecurityCast): RoleCredentials => (rule.role === "operator" ? cast.operator : cast.architect);
const otherUser = (rule: AccessRule, cast: SecurityCast): RoleCredentials => (rule.role === "operator" ? cast.architect : cast.operator);

const acceptsKeys = (c: readonly Credential[]) => c.includes("api_key") || c.includes("gateway_key");
/** Gateway operations refuse everything but their key (or device) with one code, whatever the role. */
const gatewayOnly = (c: readonly Credential[]) => c.includes("gateway_key") && !c.includes("jwt");

const BAD_TOKENS: BadToken[] = [
  "an expired access token",
  "an access token for another audience",
  "an access token from another issuer",
  "an access token without an audience",
  "an access token signed by a key the server does not publish",
  "an access token naming no user",
  "an unsigned access token (alg: none)",
];

function authenticationCases(rule: AccessRule): SecurityCase[] {
  const user = (cast: SecurityCast) => rightUser(rule, cast);
  const cases: SecurityCase[] = [
    { name: "no credentials: 401 with WWW-Authenticate", caller: () => ({ kind: "none" }), expect: { ...refused(401, "unauthorized"), challenge: true } },
    { name: "an Authorization header that is not a bearer token: 401", caller: () => withHeader("authorization", "Basic dXNlcjpwYXNzd29yZA=="), expect: refused(401, "invalid_authorization") },
    { name: "a malformed bearer token: 401", caller: () => bearer("not.a.jwt"), expect: refused(401, "invalid_token") },
    ...BAD_TOKENS.map((bad): SecurityCase => ({ name: `${bad}: 401`, caller: (c) => bearer(user(c).badTokens[bad]), expect: refused(401, "invalid_token") })),
    { name: "a malformed API key: 401", caller: () => bearer("mp_sk_live_short"), expect: refused(401, "invalid_api_key") },
    { name: "an unknown API key: 401", caller: () => bearer(`mp_sk_live_${"0".repeat(40)}`), expect: refused(401, "invalid_api_key") },
    { name: "a revoked API key: 401", caller: (c) => bearer(user(c).revokedKey), expect: refused(401, "invalid_api_key") },
    { name: "the admin token: 401", caller: () => bearer(TEST_ADMIN_TOKEN), expect: refused(401, "invalid_token") },
    { name: "a recon HMAC and no Authorization: 401", caller: () => ({ kind: "recon", secret: TEST_RECON_SECRET }), expect: refused(401, "unauthorized") },
  ];
  if (rule.credentials.includes("device")) {
    cases.push(
      { name: "a malformed device signature: 401", caller: () => withHeader("authorization", "Device not-a-key:1:sig"), expect: refused(401, "invalid_device_signature") },
      { name: "a device signature over another request: 401", caller: (c) => ({ kind: "device", wallet: user(c).device, otherPath: true }), expect: refused(401, "invalid_device_signature") },
      { name: "a device signature an hour old: 401", caller: (c) => ({ kind: "device", wallet: user(c).device, skewSeconds: -3600 }), expect: refused(401, "proof_expired") },
      { name: "a device key linked to nobody: 401", caller: (c) => ({ kind: "device", wallet: c.unlinkedDevice }), expect: refused(401, "device_not_linked") },
    );
  }
  return cases;
}

/** Each user credential the operation does not take, held by the right user; and the wrong role's. */
function credentialAndRoleCases(op: Operation, rule: AccessRule): SecurityCase[] {
  const c = rule.credentials;
  const cases: SecurityCase[] = [];
  const user = (cast: SecurityCast) => rightUser(rule, cast);
  if (!c.includes("jwt")) cases.push({ name: "a session (JWT), which this operation does not take: refused", caller: (s) => bearer(user(s).jwt), expect: REFUSED_ANYHOW });
  if (!acceptsKeys(c)) cases.push({ name: "an API key, which this operation does not take: refused", caller: (s) => bearer(user(s).key), expect: REFUSED_ANYHOW });
  if (!c.includes("device")) cases.push({ name: "a device signature, which this operation does not take: refused", caller: (s) => ({ kind: "device", wallet: user(s).device }), expect: REFUSED_ANYHOW });

  if (rule.role === "architect" || rule.role === "operator") {
    const code = gatewayOnly(c) ? "gateway_key_required" : `${rule.role}_role_required`;
    const other = (s: SecurityCast) => otherUser(rule, s);
    const observer = gatewayOnly(c) ? refused(403, code) : { ...refused(403, code), details: { required_role: rule.role, your_role: "observer" } };
    cases.push({ name: `an observer (no profile): 403 ${code}`, caller: (s) => bearer(s.observer), expect: observer });
    if (c.includes("jwt")) cases.push({ name: `the other role's session: 403 ${code}`, caller: (s) => bearer(other(s).jwt), expect: refused(403, code) });
    if (acceptsKeys(c)) cases.push({ name: `the other role's API key: 403 ${code}`, caller: (s) => bearer(other(s).key), expect: refused(403, code) });
    if (c.includes("device")) {
      // A device only reads: on a write its permission is refused before its role is looked at.
      const deviceCodes = writes(op) ? [code, "insufficient_permissions"] : [code];
      cases.push({ name: `the other role's device: 403`, caller: (s) => ({ kind: "device", wallet: other(s).device }), expect: refused(403, ...deviceCodes) });
    }
  }
  return cases;
}

function permissionCases(op: Operation, rule: AccessRule): SecurityCase[] {
  const user = (cast: SecurityCast) => rightUser(rule, cast);
  const cases: SecurityCase[] = [];
  if (acceptsKeys(rule.credentials)) {
    cases.push(
      writes(op)
        ? { name: "a read-only API key on a write: 403 insufficient_permissions", caller: (s) => bearer(user(s).readKey), expect: refused(403, "insufficient_permissions") }
        : { name: "a write-only API key on a read: 403 insufficient_permissions", caller: (s) => bearer(user(s).writeKey), expect: refused(403, "insufficient_permissions") },
    );
  }
  if (writes(op) && rule.credentials.includes("device")) {
    cases.push({ name: "a device signature on a write (devices only read): 403 insufficient_permissions", caller: (s) => ({ kind: "device", wallet: user(s).device }), expect: refused(403, "insufficient_permissions") });
  }
  const owned = ownedResource(op);
  if (owned) {
    cases.push({ name: `another user's ${owned.what}: 404, as if it did not exist`, caller: (s) => bearer(user(s).jwt), pathParams: owned.params, expect: refused(404) });
  }
  return cases;
}

function adminCases(): SecurityCase[] {
  const wrong = TEST_ADMIN_TOKEN.replace(/.$/, (ch) => (ch === "0" ? "1" : "0"));
  return [
    { name: "no credentials: 401", caller: () => ({ kind: "none" }), expect: refused(401, "unauthorized") },
    { name: "a wrong admin token of the same length: 401", caller: () => bearer(wrong), expect: refused(401, "unauthorized") },
    { name: "the admin token with a byte more: 401", caller: () => bearer(`${TEST_ADMIN_TOKEN}x`), expect: refused(401, "unauthorized") },
    { name: "the admin token, not as a bearer: 401", caller: () => withHeader("authorization", `Basic ${TEST_ADMIN_TOKEN}`), expect: refused(401, "unauthorized") },
    ...userCredentialsRefused(401, "unauthorized"),
  ];
}

function reconCases(): SecurityCase[] {
  return [
    { name: "no signature: 401", caller: () => ({ kind: "none" }), expect: refused(401, "invalid_signature") },
    { name: "an HMAC with another secret: 401", caller: () => ({ kind: "recon", secret: `${TEST_RECON_SECRET}-not` }), expect: refused(401, "invalid_signature") },
    { name: "an HMAC of another body: 401", caller: () => ({ kind: "recon", secret: TEST_RECON_SECRET, otherBody: true }), expect: refused(401, "invalid_signature") },
    { name: "a malformed signature header: 401", caller: () => withHeader("x-machpay-signature", "sha256=zz"), expect: refused(401, "invalid_signature") },
    { name: "the admin token: 401", caller: () => bearer(TEST_ADMIN_TOKEN), expect: refused(401, "invalid_signature") },
    ...userCredentialsRefused(401, "invalid_signature"),
  ];
}

function deviceOnlyCases(): SecurityCase[] {
  return [
    { name: "no credentials: 401", caller: () => ({ kind: "none" }), expect: refused(401, "invalid_device_signature") },
    { name: "a malformed device signature: 401", caller: () => withHeader("authorization", "Device not-a-key:1:sig"), expect: refused(401, "invalid_device_signature") },
    { name: "a device signature over another request: 401", caller: (c) => ({ kind: "device", wallet: c.architect.device, otherPath: true }), expect: refused(401, "invalid_device_signature") },
    { name: "a device signature an hour old: 401", caller: (c) => ({ kind: "device", wallet: c.architect.device, skewSeconds: -3600 }), expect: refused(401, "proof_expired") },
    { name: "the admin token: 401", caller: () => bearer(TEST_ADMIN_TOKEN), expect: refused(401, "invalid_device_signature") },
    { name: "a user's session (JWT): 401", caller: (c) => bearer(c.architect.jwt), expect: refused(401, "invalid_device_signature") },
    { name: "a user's API key: 401", caller: (c) => bearer(c.architect.key), expect: refused(401, "invalid_device_signature") },
  ];
}

/** A user's session, API key and device, where only a secret of the platform is taken. */
function userCredentialsRefused(status: number, code: string): SecurityCase[] {
  return [
    { name: `a user's session (JWT): ${status}`, caller: (c) => bearer(c.architect.jwt), expect: refused(status, code) },
    { name: `a user's API key: ${status}`, caller: (c) => bearer(c.architect.key), expect: refused(status, code) },
    { name: `a user's device signature: ${status}`, caller: (c) => ({ kind: "device", wallet: c.architect.device }), expect: refused(status, code) },
  ];
}

/** Every refusal the operation must give. */
export function refusalCases(op: Operation, rule: AccessRule): SecurityCase[] {
  switch (familyOf(rule)) {
    case "admin":
      return adminCases();
    case "recon":
      return reconCases();
    case "device":
      return deviceOnlyCases();
    case "user":
      return [...authenticationCases(rule), ...credentialAndRoleCases(op, rule), ...permissionCases(op, rule)];
  }
}

/** The callers that must get past the guards: each credential the operation takes (a device only reads). */
export function controls(op: Operation, rule: AccessRule): Control[] {
  switch (familyOf(rule)) {
    case "admin":
      return [{ name: "the admin token", caller: () => bearer(TEST_ADMIN_TOKEN) }];
    case "recon":
      return [{ name: "the recon HMAC", caller: () => ({ kind: "recon", secret: TEST_RECON_SECRET }) }];
    case "device":
      return [
        { name: "a linked device", caller: (c) => ({ kind: "device", wallet: c.architect.device }) },
        { name: "a device linked to nobody (told so)", caller: (c) => ({ kind: "device", wallet: c.unlinkedDevice }) },
      ];
    case "user": {
      const user = (cast: SecurityCast) => rightUser(rule, cast);
      const out: Control[] = [];
      if (rule.credentials.includes("jwt")) out.push({ name: "the right user's session", caller: (c) => bearer(user(c).jwt) });
      if (acceptsKeys(rule.credentials)) out.push({ name: "the right user's API key", caller: (c) => bearer(user(c).key) });
      if (rule.credentials.includes("device") && !writes(op)) out.push({ name: "the right user's device", caller: (c) => ({ kind: "device", wallet: user(c).device }) });
      if (rule.role === "any") out.push({ name: "an observer (no profile yet)", caller: async (c) => bearer(await c.newObserver()) });
      return out;
    }
  }
}
