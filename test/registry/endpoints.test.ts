import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { manualClock } from "@/core/clock";
import { ServiceSchema, VendorEndpointSchema, type PdaVerifier } from "@/registry";
import { startTestApp, type TestApp } from "../support/app";
import { createUser, type TestUser } from "../support/fixtures";
import { call, endpointBody, issueFields, VALID_ADDRESS, VALID_SIGNATURE, weatherTools } from "./helpers";

// Vendor endpoint registration (issue 8 item 1): POST/GET/PUT/DELETE /v1/vendor/endpoints.

const clock = manualClock(new Date("2026-03-02T10:00:00Z"));
let t: TestApp;
let vendor: TestUser;
let other: TestUser;
beforeAll(async () => {
  t = await startTestApp({}, { clock });
  vendor = await createUser(t, { profile: "vendor" });
  other = await createUser(t, { profile: "vendor" });
});
afterAll(() => t.close());

const register = (who: TestUser, body: unknown) => call(t, "POST", "/v1/vendor/endpoints", who.token, body);
const serviceRows = async (id: string) => [...(await t.sql<{ vendor_id: bigint; name: string; is_active: boolean }[]>`SELECT vendor_id, name, is_active FROM services WHERE id = ${id}`)];

/** Runs `fn` with a chain verifier on the app's deps (as the chain module will provide). */
async function withVerifier<T>(verifier: PdaVerifier, fn: () => Promise<T>): Promise<T> {
  const deps = t.deps as typeof t.deps & { pdaVerifier?: PdaVerifier | undefined };
  deps.pdaVerifier = verifier;
  try {
    return await fn();
  } finally {
    deps.pdaVerifier = undefined;
  }
}

describe("POST /v1/vendor/endpoints", () => {
  test("creates the service: 201, stored as given, resolvable by its id", async () => {
    const url = "https://Gateway.Weather.example:8443/v1/path/?region=eu";
    const r = await register(vendor, endpointBody({ id: "weather-now", gateway_url: url, gateway_pubkey: VALID_ADDRESS }));
    expect(r.status).toBe(201);
    expect(VendorEndpointSchema.strict().safeParse(r.body).success).toBe(true);
    expect(r.body).toMatchObject({
      id: "weather-now",
      vendor_id: vendor.id.toString(),
      name: "Weather Now",
      gateway_url: url,
      gateway_pubkey: VALID_ADDRESS,
      price_atomic: "500",
      token_mint: t.config.USDC_MINT,
      service_type: "weather",
      mcp_tool_def: weatherTools,
      is_active: true,
      pda_address: null,
      tx_signature: null,
      index_status: "pending",
    });
    const resolved = await call(t, "GET", "/v1/services/weather-now");
    expect(resolved.status).toBe(200);
    expect(ServiceSchema.strict().safeParse(resolved.body).success).toBe(true);
    expect(resolved.body).toEqual({
      id: "weather-now",
      vendor_id: vendor.id.toString(),
      name: "Weather Now",
      description: "Current weather and forecasts for any city",
      service_type: "weather",
      gateway_url: url,
      gateway_pubkey: VALID_ADDRESS,
      price_atomic: "500",
      token_mint: t.config.USDC_MINT,
      mcp_tool_def: weatherTools,
    });
  });

  test("the same vendor posting the same id again updates it: 200, still one service", async () => {
    const first = await register(vendor, endpointBody({ id: "idem-1" }));
    expect(first.status).toBe(201);
    const again = await register(vendor, endpointBody({ id: "idem-1" }));
    expect(again.status).toBe(200);
    const changed = await register(vendor, endpointBody({ id: "idem-1", name: "Weather Later", price_atomic: "700" }));
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ id: "idem-1", name: "Weather Later", price_atomic: "700", created_at: first.body.created_at });
    expect(await serviceRows("idem-1")).toEqual([{ vendor_id: vendor.id, name: "Weather Later", is_active: true }]);
  });

  test("another vendor's id: 409 service_id_taken, the service untouched", async () => {
    expect((await register(vendor, endpointBody({ id: "taken-1" }))).status).toBe(201);
    const r = await register(other, endpointBody({ id: "taken-1", name: "Hijack" }));
    expect(r.status).toBe(409);
    expect(r.body.error).toMatchObject({ code: "service_id_taken", details: { id: "taken-1" } });
    expect(await serviceRows("taken-1")).toEqual([{ vendor_id: vendor.id, name: "Weather Now", is_active: true }]);
  });

  test("two vendors racing for a new id: exactly one gets it", async () => {
    const results = await Promise.all([register(vendor, endpointBody({ id: "race-1" })), register(other, endpointBody({ id: "race-1" }))]);
    expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
    expect(await serviceRows("race-1")).toHaveLength(1);
  });

  test("without an id, one is made from the name; the same vendor and name land on it again", async () => {
    const a = await register(vendor, endpointBody({ name: "Überweather Pro (EU)!" }));
    expect(a.status).toBe(201);
    expect(a.body.id).toBe("uberweather-pro-eu");
    const again = await register(vendor, endpointBody({ name: "Überweather Pro (EU)!", description: "now with radar" }));
    expect({ status: again.status, id: again.body.id, description: again.body.description }).toEqual({ status: 200, id: "uberweather-pro-eu", description: "now with radar" });
    const theirs = await register(other, endpointBody({ name: "Überweather Pro (EU)!" }));
    expect({ status: theirs.status, id: theirs.body.id }).toEqual({ status: 201, id: "uberweather-pro-eu-2" });
    expect((await register(other, endpointBody({ name: "Überweather Pro (EU)!" }))).body.id).toBe("uberweather-pro-eu-2");
  });

  test("min_price (the gateway's name, lld-backend.md §7.4) is the price in atomic units, as a number or a string", async () => {
    const { price_atomic: _, ...body } = endpointBody();
    const n = await register(vendor, { ...body, id: "min-price-n", min_price: 5000 });
    expect({ status: n.status, price: n.body.price_atomic }).toEqual({ status: 201, price: "5000" });
    const s = await register(vendor, { ...body, id: "min-price-s", min_price: "18446744073" });
    expect({ status: s.status, price: s.body.price_atomic }).toEqual({ status: 201, price: "18446744073" });
  });

  test("exactly one of price_atomic and min_price", async () => {
    const { price_atomic: _, ...body } = endpointBody();
    for (const b of [body, { ...body, price_atomic: "5", min_price: 5 }]) {
      const r = await register(vendor, { ...b, id: "price-x" });
      expect({ status: r.status, code: r.body.error.code, fields: issueFields(r.body) }).toEqual({ status: 400, code: "invalid_request", fields: ["price_atomic"] });
    }
    for (const [field, value] of [["price_atomic", "-1"], ["price_atomic", "1.5"], ["price_atomic", 500], ["price_atomic", "9223372036854775808"], ["min_price", 1.5], ["min_price", -3], ["min_price", "9223372036854775808"]] as const) {
      const r = await register(vendor, { ...body, id: "price-x", [field]: value });
      expect({ status: r.status, fields: issueFields(r.body) }).toEqual({ status: 400, fields: [field] });
    }
    expect(await serviceRows("price-x")).toHaveLength(0);
  });

  test("a token_mint is kept; the default is USDC", async () => {
    const mint = "So11111111111111111111111111111111111111112";
    const r = await register(vendor, endpointBody({ id: "mint-1", token_mint: mint }));
    expect(r.body.token_mint).toBe(mint);
  });

  test("malformed fields are a 400 naming each of them", async () => {
    const r = await register(vendor, {
      id: "Not An Id",
      name: "",
      gateway_url: "ftp://files.example",
      gateway_pubkey: "0OIl",
      price_atomic: "5",
      service_type: "",
      token_mint: "nope",
    });
    expect(r.status).toBe(400);
    expect(issueFields(r.body).sort()).toEqual(["description", "gateway_pubkey", "gateway_url", "id", "name", "service_type", "token_mint"]);
    for (const url of ["not a url", "javascript:alert(1)", "//no-scheme.example", "HTTPS://upper.example"]) {
      const bad = await register(vendor, endpointBody({ id: "url-x", gateway_url: url }));
      expect({ url, status: bad.status, fields: issueFields(bad.body) }).toEqual({ url, status: 400, fields: ["gateway_url"] });
    }
    expect((await register(vendor, endpointBody({ id: "url-ok", gateway_url: "http://10.0.0.7:8080" }))).status).toBe(201);
  });

  describe("mcp_tool_def is an MCP tools/list result", () => {
    const tool = (overrides: Record<string, unknown> = {}) => ({ name: "lookup", description: "Look it up", inputSchema: { type: "object", properties: { q: { type: "string" } } }, ...overrides });
    const cases: [string, unknown, string][] = [
      ["not an object", "tools: lookup", "mcp_tool_def"],
      ["no tools array", { tool: [tool()] }, "mcp_tool_def.tools"],
      ["tools is not an array", { tools: { lookup: tool() } }, "mcp_tool_def.tools"],
      ["a tool without inputSchema", { tools: [{ name: "lookup" }] }, "mcp_tool_def.tools.0.inputSchema"],
      ["an inputSchema that is not an object schema", { tools: [tool({ inputSchema: { type: "string" } })] }, "mcp_tool_def.tools.0.inputSchema.type"],
      ["an inputSchema that is a string", { tools: [tool({ inputSchema: "{}" })] }, "mcp_tool_def.tools.0.inputSchema"],
      ["properties that are not schemas", { tools: [tool({ inputSchema: { type: "object", properties: { q: "string" } } })] }, "mcp_tool_def.tools.0.inputSchema.properties.q"],
      ["required that is not a list of names", { tools: [tool({ inputSchema: { type: "object", required: "q" } })] }, "mcp_tool_def.tools.0.inputSchema.required"],
      ["a tool without a name", { tools: [tool(), tool({ name: "" })] }, "mcp_tool_def.tools.1.name"],
      ["a description that is not text", { tools: [tool({ description: 42 })] }, "mcp_tool_def.tools.0.description"],
      ["two tools with one name", { tools: [tool(), tool()] }, "mcp_tool_def.tools.1.name"],
      ["a tool that is not an object", { tools: [tool(), null] }, "mcp_tool_def.tools.1"],
      ["a tool name that is too long", { tools: [tool({ name: "x".repeat(129) })] }, "mcp_tool_def.tools.0.name"],
    ];
    for (const [what, def, field] of cases) {
      test(`${what}: 400 naming ${field}`, async () => {
        const r = await register(vendor, endpointBody({ id: "mcp-bad", mcp_tool_def: def }));
        expect({ status: r.status, code: r.body.error?.code, fields: issueFields(r.body) }).toEqual({ status: 400, code: "invalid_request", fields: [field] });
        expect(r.body.error.message).toContain(field);
        expect(await serviceRows("mcp-bad")).toHaveLength(0);
      });
    }

    test("a valid definition is stored as given, members this server does not know included", async () => {
      const def = {
        tools: [
          { ...tool(), title: "Lookup", annotations: { readOnlyHint: true }, outputSchema: { type: "object" }, "x-vendor": { tier: 2 } },
          { name: "empty_args", inputSchema: { type: "object" } },
        ],
        nextCursor: "abc",
      };
      const r = await register(vendor, endpointBody({ id: "mcp-ok", mcp_tool_def: def }));
      expect(r.status).toBe(201);
      expect(r.body.mcp_tool_def).toEqual(def);
      expect((await call(t, "GET", "/v1/services/mcp-ok")).body.mcp_tool_def).toEqual(def);
    });

    // Found by the fuzzer: a definition nested 50,000 levels deep (about 300 KB, under the body
    // limit) made the size check's JSON.stringify overflow the stack: 500. Bodies nesting past 64
    // levels are refused on their text, before anything parses them; 64 levels still pass.
    test("a definition nested past 64 levels: 400 before it is parsed; 64 levels are fine", async () => {
      const nested = (depth: number) => `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
      const withOutputSchema = (id: string, schemaText: string) =>
        JSON.stringify(endpointBody({ id, mcp_tool_def: { tools: [{ ...tool(), outputSchema: "__schema__" }] } })).replace('"__schema__"', schemaText);
      const post = (text: string) =>
        fetch(t.url + "/v1/vendor/endpoints", { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${vendor.token}` }, body: text });
      for (const depth of [61, 50_000]) {
        const res = await post(withOutputSchema(`mcp-deep-${depth}`, nested(depth)));
        const body = (await res.json()) as { error: { code: string; details: { issues: { field: string }[] } } };
        expect({ status: res.status, code: body.error.code, field: body.error.details.issues[0]!.field }).toEqual({ status: 400, code: "invalid_request", field: "(body)" });
        expect(await serviceRows(`mcp-deep-${depth}`)).toEqual([]);
      }
      // The body's own levels (body, mcp_tool_def, tools, the tool) count: 60 in outputSchema make 64.
      expect((await post(withOutputSchema("mcp-deep-ok", nested(60)))).status).toBe(201);
    });

    test("mcp_tool_def is optional", async () => {
      const { mcp_tool_def: _, ...body } = endpointBody();
      const r = await register(vendor, { ...body, id: "mcp-none" });
      expect({ status: r.status, def: r.body.mcp_tool_def }).toEqual({ status: 201, def: null });
    });
  });

  describe("the on-chain proof (tx_signature, pda_address)", () => {
    const proof = { tx_signature: VALID_SIGNATURE, pda_address: VALID_ADDRESS };

    test("without a chain verifier on this server: 503 chain_unavailable, nothing stored", async () => {
      const r = await register(vendor, endpointBody({ id: "pda-none", ...proof }));
      expect({ status: r.status, code: r.body.error.code }).toEqual({ status: 503, code: "chain_unavailable" });
      expect(await serviceRows("pda-none")).toHaveLength(0);
    });

    test("one without the other: 400", async () => {
      const a = await register(vendor, endpointBody({ id: "pda-half", tx_signature: VALID_SIGNATURE }));
      expect({ status: a.status, fields: issueFields(a.body) }).toEqual({ status: 400, fields: ["pda_address"] });
      const b = await register(vendor, endpointBody({ id: "pda-half", pda_address: VALID_ADDRESS }));
      expect({ status: b.status, fields: issueFields(b.body) }).toEqual({ status: 400, fields: ["tx_signature"] });
      const c = await register(vendor, endpointBody({ id: "pda-half", tx_signature: "not-base58-0OIl", pda_address: VALID_ADDRESS }));
      expect({ status: c.status, fields: issueFields(c.body) }).toEqual({ status: 400, fields: ["tx_signature"] });
    });

    test("a proof the chain confirms is checked with exactly those values and stored", async () => {
      const seen: unknown[] = [];
      const r = await withVerifier(
        async (input) => {
          seen.push(input);
          return { ok: true };
        },
        () => register(vendor, endpointBody({ id: "pda-ok", ...proof })),
      );
      expect(r.status).toBe(201);
      expect(seen).toEqual([{ pdaAddress: VALID_ADDRESS, txSignature: VALID_SIGNATURE }]);
      expect(r.body).toMatchObject({ pda_address: VALID_ADDRESS, tx_signature: VALID_SIGNATURE });
      // A later registration without a proof keeps the recorded one.
      const again = await register(vendor, endpointBody({ id: "pda-ok", name: "Renamed" }));
      expect(again.body).toMatchObject({ name: "Renamed", pda_address: VALID_ADDRESS, tx_signature: VALID_SIGNATURE });
    });

    test("a proof the chain refuses: 400 with the verifier's code, nothing stored", async () => {
      const r = await withVerifier(
        async () => ({ ok: false, code: "pda_wrong_owner", message: "the account is not owned by the MachPay program" }),
        () => register(vendor, endpointBody({ id: "pda-bad", ...proof })),
      );
      expect({ status: r.status, code: r.body.error.code, message: r.body.error.message }).toEqual({
        status: 400,
        code: "pda_wrong_owner",
        message: "the account is not owned by the MachPay program",
      });
      expect(await serviceRows("pda-bad")).toHaveLength(0);
    });

    test("another vendor's id is refused before the chain is asked", async () => {
      expect((await register(vendor, endpointBody({ id: "pda-taken" }))).status).toBe(201);
      let asked = 0;
      const r = await withVerifier(
        async () => {
          asked++;
          return { ok: true };
        },
        () => register(other, endpointBody({ id: "pda-taken", ...proof })),
      );
      expect({ status: r.status, asked }).toEqual({ status: 409, asked: 0 });
    });
  });
});

describe("GET /v1/vendor/endpoints", () => {
  test("lists only the caller's services, by id, in pages", async () => {
    const mine = await createUser(t, { profile: "vendor" });
    for (const id of ["list-c", "list-a", "list-b"]) expect((await register(mine, endpointBody({ id }))).status).toBe(201);
    expect((await register(other, endpointBody({ id: "list-z" }))).status).toBe(201);
    const first = await call(t, "GET", "/v1/vendor/endpoints?limit=2", mine.token);
    expect(first.status).toBe(200);
    expect(first.body.data.map((s: { id: string }) => s.id)).toEqual(["list-a", "list-b"]);
    expect(first.body.data.every((s: unknown) => VendorEndpointSchema.strict().safeParse(s).success)).toBe(true);
    const second = await call(t, "GET", `/v1/vendor/endpoints?limit=2&cursor=${first.body.next_cursor}`, mine.token);
    expect({ ids: second.body.data.map((s: { id: string }) => s.id), next: second.body.next_cursor }).toEqual({ ids: ["list-c"], next: null });
    const bad = await call(t, "GET", "/v1/vendor/endpoints?cursor=%25%25", mine.token);
    expect({ status: bad.status, code: bad.body.error.code }).toEqual({ status: 400, code: "invalid_cursor" });
  });

  test("GET /v1/vendor/endpoints/{id}: the caller's own, another vendor's is not found", async () => {
    expect((await register(vendor, endpointBody({ id: "own-1" }))).status).toBe(201);
    expect((await call(t, "GET", "/v1/vendor/endpoints/own-1", vendor.token)).body.id).toBe("own-1");
    const r = await call(t, "GET", "/v1/vendor/endpoints/own-1", other.token);
    expect({ status: r.status, code: r.body.error.code }).toEqual({ status: 404, code: "service_not_found" });
  });
});

describe("PUT /v1/vendor/endpoints/{id}", () => {
  test("replaces the fields: 200", async () => {
    expect((await register(vendor, endpointBody({ id: "put-1" }))).status).toBe(201);
    const r = await call(t, "PUT", "/v1/vendor/endpoints/put-1", vendor.token, endpointBody({ name: "Radar", price_atomic: "900", mcp_tool_def: undefined }));
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ id: "put-1", name: "Radar", price_atomic: "900", mcp_tool_def: null, is_active: true, index_status: "pending" });
    expect((await call(t, "GET", "/v1/services/put-1")).body).toMatchObject({ name: "Radar", price_atomic: "900" });
  });

  test("is_active false takes it out of resolution; true brings it back", async () => {
    expect((await register(vendor, endpointBody({ id: "put-2" }))).status).toBe(201);
    expect((await call(t, "PUT", "/v1/vendor/endpoints/put-2", vendor.token, endpointBody({ is_active: false }))).body.is_active).toBe(false);
    expect((await call(t, "GET", "/v1/services/put-2")).status).toBe(404);
    expect((await call(t, "PUT", "/v1/vendor/endpoints/put-2", vendor.token, endpointBody({ is_active: true }))).body.is_active).toBe(true);
    expect((await call(t, "GET", "/v1/services/put-2")).status).toBe(200);
  });

  test("another vendor's service or an unknown id: 404 service_not_found, nothing changed", async () => {
    expect((await register(vendor, endpointBody({ id: "put-3" }))).status).toBe(201);
    for (const [who, id] of [[other, "put-3"], [vendor, "put-nope"]] as const) {
      const r = await call(t, "PUT", `/v1/vendor/endpoints/${id}`, who.token, endpointBody({ name: "Hijack" }));
      expect({ status: r.status, code: r.body.error.code }).toEqual({ status: 404, code: "service_not_found" });
    }
    expect(await serviceRows("put-3")).toEqual([{ vendor_id: vendor.id, name: "Weather Now", is_active: true }]);
    expect(await serviceRows("put-nope")).toHaveLength(0);
  });

  test("the body is validated as for POST", async () => {
    expect((await register(vendor, endpointBody({ id: "put-4" }))).status).toBe(201);
    const r = await call(t, "PUT", "/v1/vendor/endpoints/put-4", vendor.token, endpointBody({ mcp_tool_def: { tools: [{ name: "x" }] } }));
    expect({ status: r.status, fields: issueFields(r.body) }).toEqual({ status: 400, fields: ["mcp_tool_def.tools.0.inputSchema"] });
  });
});

describe("DELETE /v1/vendor/endpoints/{id}", () => {
  test("deactivates: gone from resolution and listing, the id stays the vendor's, re-registering re-activates", async () => {
    expect((await register(vendor, endpointBody({ id: "del-1", service_type: "del-test" }))).status).toBe(201);
    const del = await call(t, "DELETE", "/v1/vendor/endpoints/del-1", vendor.token);
    expect(del.status).toBe(204);
    const resolved = await call(t, "GET", "/v1/services/del-1");
    expect({ status: resolved.status, code: resolved.body.error.code }).toEqual({ status: 404, code: "service_not_found" });
    expect((await call(t, "GET", "/v1/services?service_type=del-test")).body).toEqual([]);
    expect((await call(t, "GET", "/v1/vendor/endpoints/del-1", vendor.token)).body.is_active).toBe(false);
    expect((await call(t, "DELETE", "/v1/vendor/endpoints/del-1", vendor.token)).status).toBe(204);
    expect((await register(other, endpointBody({ id: "del-1" }))).status).toBe(409);
    const back = await register(vendor, endpointBody({ id: "del-1", service_type: "del-test" }));
    expect({ status: back.status, active: back.body.is_active }).toEqual({ status: 200, active: true });
    expect((await call(t, "GET", "/v1/services/del-1")).status).toBe(200);
  });

  test("another vendor's service: 404, still active", async () => {
    expect((await register(vendor, endpointBody({ id: "del-2" }))).status).toBe(201);
    const r = await call(t, "DELETE", "/v1/vendor/endpoints/del-2", other.token);
    expect({ status: r.status, code: r.body.error.code }).toEqual({ status: 404, code: "service_not_found" });
    expect(await serviceRows("del-2")).toEqual([{ vendor_id: vendor.id, name: "Weather Now", is_active: true }]);
  });
});

describe("agents and observers cannot register", () => {
  test("an agent and an observer get 403 operator_role_required on every vendor route", async () => {
    const agent = await createUser(t, { profile: "agent" });
    const observer = await createUser(t);
    expect((await register(vendor, endpointBody({ id: "role-1" }))).status).toBe(201);
    for (const who of [agent, observer]) {
      for (const [method, path, body] of [
        ["POST", "/v1/vendor/endpoints", endpointBody({ id: "role-2" })],
        ["GET", "/v1/vendor/endpoints", undefined],
        ["GET", "/v1/vendor/endpoints/role-1", undefined],
        ["PUT", "/v1/vendor/endpoints/role-1", endpointBody()],
        ["DELETE", "/v1/vendor/endpoints/role-1", undefined],
      ] as const) {
        const r = await call(t, method, path, who.token, body);
        expect({ method, path, status: r.status, code: r.body.error.code }).toEqual({ method, path, status: 403, code: "operator_role_required" });
      }
    }
    expect(await serviceRows("role-2")).toHaveLength(0);
    expect(await serviceRows("role-1")).toEqual([{ vendor_id: vendor.id, name: "Weather Now", is_active: true }]);
  });
});

// The attacks on every route (credentials, roles, permissions, another vendor's endpoint) are the
// shared security suite's: test/contract/security.test.ts.
