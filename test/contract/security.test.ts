import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { generateSigningJwk } from "@/auth";
import type { AccessRule } from "@/http/guards";
import { startFuzzApp } from "../support/fuzz/harness";
import { operationsOf, type Operation } from "../support/fuzz/spec";
import { refusalCases, controls, type Refusal } from "../support/security/cases";
import { mintSecurityCast, type SecurityCast } from "../support/security/cast";
import { listedResource, NOT_OWNED, ownedResource, pathParamsOf, type Page } from "../support/security/resources";
import { runOperation, type OperationRun } from "../support/security/run";
import { tableOf } from "../support/security/state";
import type { Reply } from "../support/security/send";
import { MONEY_LEAVES, SUSPENDED, suspendedCases, type Outcome, type SuspendedCase } from "../support/security/suspension";

// The shared security suite (style guide §3.11, issue 13): every operation of the served OpenAPI
// document that asks for credentials gets the attacks its x-machpay-access calls for (cases.ts):
// no or broken credentials, each credential it does not take, the wrong role, the wrong
// permission, another user's resource, a suspended account; every refused request must change
// nothing, and positive controls show the right caller gets through. A new route is found by
// walking the document, so it cannot be missed.

const jwk = await generateSigningJwk();
const app = await startFuzzApp({ env: { JWT_PRIVATE_KEY: JSON.stringify(jwk) } });
const operations = operationsOf(app.target.doc);
const protectedOps = operations.filter((op): op is Operation & { access: AccessRule } => (op.access?.credentials.length ?? 0) > 0);

let cast: SecurityCast;
const runs = new Map<string, OperationRun>();

beforeAll(async () => {
  cast = await mintSecurityCast(app, jwk);
  // One operation at a time: each one's refusals are checked against the whole database.
  for (const op of protectedOps) runs.set(op.id, await runOperation(app, cast, op, op.access));
}, 60_000);
afterAll(() => app.close());

const label = (op: Operation) => `${op.method} ${op.path} (${op.id})`;
const shown = (reply: Reply) => `${reply.repro}\nanswered ${reply.status} ${JSON.stringify(reply.body)?.slice(0, 400)}`;

function expectRefused(reply: Reply | undefined, refusal: Refusal) {
  const ok = reply !== undefined && refusal.status.includes(reply.status) && (refusal.codes ? refusal.codes.includes(reply.code ?? "") : reply.code !== undefined);
  expect(ok, reply ? `${shown(reply)}\nexpected ${refusal.status.join(" or ")} ${refusal.codes?.join(" or ") ?? "(an error envelope)"}` : "not sent").toBe(true);
  if (refusal.details) expect(reply?.details).toMatchObject(refusal.details);
  if (refusal.challenge) expect(reply?.wwwAuthenticate ?? "").toStartWith("Bearer ");
}

/** Got past authentication and authorization: not refused, not a route that does not exist, no 5xx. */
function expectPast(reply: Reply | undefined) {
  const routeMissing = reply?.status === 404 && reply.code === "not_found";
  const ok = reply !== undefined && reply.status !== 401 && reply.status !== 403 && reply.status < 500 && !routeMissing;
  expect(ok, reply ? shown(reply) : "not sent").toBe(true);
}

test("every operation of the document says who may call it (x-machpay-access)", () => {
  expect(operations.filter((op) => !op.access).map(label)).toEqual([]);
});

test("the suite reaches protected operations of every kind", () => {
  const credentials = new Set(protectedOps.flatMap((op) => op.access.credentials));
  expect([...credentials].sort()).toEqual(["admin_token", "api_key", "device", "gateway_key", "jwt", "recon_hmac"]);
});

test("every path parameter of a protected operation is known to name another user's resource or none", () => {
  const unclassified = protectedOps.filter((op) => pathParamsOf(op).length > 0 && !ownedResource(op) && !(op.id in NOT_OWNED));
  expect(unclassified.map(label), "add them to test/support/security/resources.ts").toEqual([]);
});

test("every operation a suspended account could call has its outcome written down", () => {
  const missing = protectedOps.filter((op) => suspendedCases(op, op.access).length > 0 && !(op.id in SUSPENDED));
  expect(missing.map(label), "add them to SUSPENDED in test/support/security/suspension.ts").toEqual([]);
});

function suspendedTest(op: Operation, { name, who }: SuspendedCase, outcome: Outcome | undefined) {
  const run = () => runs.get(op.id)!.suspended.get(name)!;
  if (outcome === undefined) return;
  if (outcome === "passes") {
    test(`a suspended account, through ${name}: gets past the guards (as today)`, () => {
      expect(MONEY_LEAVES[op.id], "an operation that takes money out of the suspended account cannot let it through").not.toBe(who);
      expectPast(run().reply);
    });
    return;
  }
  if ("defect" in outcome) {
    test.failing(`a suspended account, through ${name}: 403, nothing changed (known defect: ${outcome.defect})`, () => {
      expectRefused(run().reply, { status: [403] });
      expect(run().changed).toEqual([]);
    });
    return;
  }
  const mayChange = outcome.mayChange ?? {};
  const but = Object.keys(mayChange).map((table) => ` but ${table}`).join("");
  if ("batch" in outcome) {
    const { status, code } = outcome.batch;
    test(`a suspended account, through ${name}: every result refused, the first ${status} ${code}, nothing changed${but}`, () => {
      const { reply, changed } = run();
      const results = (reply.body as { results?: { status: number; body: { error?: { code: string } } }[] })?.results ?? [];
      expect(reply.status, shown(reply)).toBe(200);
      expect(results.filter((r) => r.status === 201), shown(reply)).toEqual([]);
      expect([results[0]?.status, results[0]?.body.error?.code], shown(reply)).toEqual([status, code]);
      expect(changed.filter((change) => !(tableOf(change) in mayChange))).toEqual([]);
    });
    return;
  }
  if ("x402" in outcome) {
    test(`a suspended account, through ${name}: refused (200, x402 reason ${outcome.x402.reason}), nothing changed${but}`, () => {
      const { reply, changed } = run();
      const body = reply.body as { isValid?: boolean; invalidReason?: string; success?: boolean; errorReason?: string };
      expect(reply.status, shown(reply)).toBe(200);
      expect([body.isValid ?? body.success, body.invalidReason ?? body.errorReason], shown(reply)).toEqual([false, outcome.x402.reason]);
      expect(changed.filter((change) => !(tableOf(change) in mayChange))).toEqual([]);
    });
    return;
  }
  test(`a suspended account, through ${name}: ${outcome.status} ${outcome.code}, nothing changed${but}`, () => {
    expectRefused(run().reply, { status: [outcome.status], codes: [outcome.code] });
    expect(run().changed.filter((change) => !(tableOf(change) in mayChange))).toEqual([]);
  });
}

for (const op of protectedOps) {
  describe(label(op), () => {
    const run = () => runs.get(op.id)!;
    for (const c of refusalCases(op, op.access)) test(c.name, () => expectRefused(run().refusals.get(c.name), c.expect));
    test("the refused requests changed nothing", () => expect(run().changed).toEqual([]));
    if (ownedResource(op)) test("control: the owner still finds the resource, unchanged", () => expect(run().ownerStillThere).toBe(true));
    for (const s of suspendedCases(op, op.access)) suspendedTest(op, s, SUSPENDED[op.id]?.[s.who]);
    for (const c of controls(op, op.access)) test(`control: ${c.name} gets past the guards`, () => expectPast(run().controls.get(c.name)));
    const listed = listedResource(op);
    if (listed) {
      test(`another user's ${listed.what} is not in the list`, () => {
        const pages = [...run().controls.values()].filter((reply) => reply.status === 200);
        expect(pages.length).toBeGreaterThan(0);
        // SAFETY: a 200 of a list operation, already checked against its declared schema by the harness.
        for (const reply of pages) expect((reply.body as Page<{ id: string }>).data.map((item) => item.id)).not.toContain(listed.id(cast));
      });
    }
  });
}
