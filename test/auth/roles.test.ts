import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { manualClock } from "@/core/clock";
import { startTestApp, type TestApp } from "../support/app";
import { createUser } from "../support/fixtures";
import { json } from "../support/http";

const clock = manualClock(new Date("2026-11-25T12:00:00Z"));
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({}, { clock });
});
afterAll(() => t.close());

// Who may call each route (no or broken credentials, wrong role, permissions, another user's key)
// is the shared security suite's: test/contract/security.test.ts.
const newKey = { name: "ci" };

const call = (method: string, path: string, token: string, body?: unknown) =>
  fetch(t.url + path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

const vendorProfile = {
  type: "vendor",
  name: "Llama Hosting",
  service_type: "inference-llm",
  withdrawal_address: "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin",
  base_price_atomic: "5000",
};

const failingFields = (body: any): string[] => body.error.details.issues.map((i: { field: string }) => i.field);

describe("roles follow the profile", () => {
  test("a new user is an observer with no profile", async () => {
    const u = await createUser(t);
    const res = await call("GET", "/v1/profile", u.token);
    expect(res.status).toBe(404);
    expect((await json(res)).error.code).toBe("profile_not_found");
    const keys = await call("GET", "/v1/agent/keys", u.token);
    expect(keys.status).toBe(403);
    expect((await json(keys)).error).toMatchObject({ code: "architect_role_required", details: { your_role: "observer" } });
  });

  test("an agent profile makes the same token an architect's: agent routes open, vendor routes stay shut", async () => {
    const u = await createUser(t);
    const created = await call("POST", "/v1/profile", u.token, { type: "agent", name: "Scout", description: "finds things" });
    expect(created.status).toBe(201);
    expect(await json(created)).toMatchObject({ user_id: u.id.toString(), type: "agent", name: "Scout", description: "finds things" });

    // The token was minted while the user was an observer; the role is read from the database.
    expect((await call("GET", "/v1/agent/keys", u.token)).status).toBe(200);
    expect((await call("POST", "/v1/agent/keys", u.token, newKey)).status).toBe(201);
    const vendor = await call("GET", "/v1/vendor/keys", u.token);
    expect(vendor.status).toBe(403);
    expect((await json(vendor)).error).toMatchObject({ code: "operator_role_required", details: { required_role: "operator", your_role: "architect" } });
    const profile = await call("GET", "/v1/profile", u.token);
    expect((await json(profile)).type).toBe("agent");
  });

  test("a vendor profile makes the user an operator: vendor routes open, agent routes shut", async () => {
    const u = await createUser(t);
    const created = await call("POST", "/v1/profile", u.token, vendorProfile);
    expect(created.status).toBe(201);
    expect(await json(created)).toMatchObject({ type: "vendor", base_price_atomic: "5000", withdrawal_address: vendorProfile.withdrawal_address });

    expect((await call("GET", "/v1/vendor/keys", u.token)).status).toBe(200);
    expect((await call("POST", "/v1/vendor/keys", u.token, newKey)).status).toBe(201);
    const agent = await call("POST", "/v1/agent/keys", u.token, newKey);
    expect(agent.status).toBe(403);
    expect((await json(agent)).error.code).toBe("architect_role_required");
  });

  test("a second profile is 409 profile_exists and the role does not change", async () => {
    const u = await createUser(t, { profile: "agent" });
    const res = await call("POST", "/v1/profile", u.token, vendorProfile);
    expect(res.status).toBe(409);
    expect((await json(res)).error.code).toBe("profile_exists");
    expect((await call("GET", "/v1/agent/keys", u.token)).status).toBe(200);
    expect((await call("GET", "/v1/vendor/keys", u.token)).status).toBe(403);
  });

  test("a vendor profile with a bad withdrawal address is 400 naming withdrawal_address, and creates nothing", async () => {
    const u = await createUser(t);
    const res = await call("POST", "/v1/profile", u.token, { ...vendorProfile, withdrawal_address: "0xNotASolanaAddress" });
    expect(res.status).toBe(400);
    const body = await json(res);
    expect(body.error.code).toBe("invalid_request");
    expect(failingFields(body)).toEqual(["withdrawal_address"]);
    expect((await call("GET", "/v1/profile", u.token)).status).toBe(404);
    expect((await call("GET", "/v1/vendor/keys", u.token)).status).toBe(403);
  });

  test("a vendor profile without base_price_atomic is 400 naming it", async () => {
    const u = await createUser(t);
    const { base_price_atomic: _omitted, ...incomplete } = vendorProfile;
    const res = await call("POST", "/v1/profile", u.token, incomplete);
    expect(res.status).toBe(400);
    const body = await json(res);
    expect(body.error.code).toBe("invalid_request");
    expect(failingFields(body)).toContain("base_price_atomic");
    expect((await call("GET", "/v1/profile", u.token)).status).toBe(404);
  });
});
