import { expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { createApp, createInfra, documentOptions, OPERATION_DOCS, OPENAPI_YAML_PATH, RECEIVER_OPENAPI_YAML_PATH } from "@/app";
import { parseConfig } from "@/config";
import { ERROR_CODES, type ErrorCode } from "@/core/error-codes";
import { createLogger } from "@/core/logger";
import { createSql } from "@/db/client";
import { ACCESS_EXTENSION } from "@/http/guards";
import { buildOpenApiDocument } from "@/http/openapi";
import { ERRORS_EXTENSION } from "@/http/openapi-operations";

// The committed documents pass `redocly lint` (@redocly/cli, pinned) under the committed ruleset
// (redocly.yaml) with no error and no warning, and say for every operation what issue 18 asks:
// its module's tag, who may call it, what it costs and which error codes it answers.

type Op = {
  operationId: string;
  tags?: string[];
  summary?: string;
  description?: string;
  deprecated?: boolean;
  responses: Record<string, unknown>;
  [ACCESS_EXTENSION]?: unknown;
  [ERRORS_EXTENSION]?: Record<string, ErrorCode[]>;
};
type Doc = { tags?: { name: string; description?: string }[]; servers?: { url: string }[]; paths: Record<string, Record<string, Op>> };

const REDOCLY = join(import.meta.dir, "../../node_modules/@redocly/cli/bin/cli.js");

/** `redocly lint` under Bun (no Node needed), offline: no telemetry, no update check. */
async function lint(file: string): Promise<{ code: number; totals: { errors: number; warnings: number; ignored: number }; out: string }> {
  const proc = Bun.spawn([process.execPath, REDOCLY, "lint", file, "--config", "redocly.yaml", "--format", "json"], {
    cwd: join(import.meta.dir, "../.."),
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true", NO_COLOR: "1" },
    stdout: "pipe",
    // Progress lines only; the problems are in the JSON on stdout.
    stderr: "ignore",
  });
  const [out, code] = [await new Response(proc.stdout).text(), await proc.exited];
  const json = JSON.parse(out.slice(out.indexOf("{"))) as { totals: { errors: number; warnings: number; ignored: number }; problems: { ruleId: string; message: string }[] };
  return { code, totals: json.totals, out: JSON.stringify(json.problems.map((p) => `${p.ruleId}: ${p.message}`)) };
}

const operations = (doc: Doc) => Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item).map(([method, op]) => ({ id: `${method.toUpperCase()} ${path}`, op })));

test.each([OPENAPI_YAML_PATH, RECEIVER_OPENAPI_YAML_PATH])("%s passes redocly lint with the committed ruleset: no error, no warning", async (file) => {
  const result = await lint(file);
  expect(result.out).toBe("[]");
  expect(result.totals).toEqual({ errors: 0, warnings: 0, ignored: 0 });
  expect(result.code).toBe(0);
}, 60_000);

test("the linter fails a document whose operation lacks a description or uses an undeclared tag", async () => {
  const doc = parse(await Bun.file(OPENAPI_YAML_PATH).text()) as Doc;
  const op = doc.paths["/v1/agent/pay"]!.post!;
  delete op.description;
  op.tags = ["nowhere"];
  const file = join(mkdtempSync(join(tmpdir(), "machpay-lint-")), "broken.yaml");
  writeFileSync(file, stringify(doc, { lineWidth: 0 }));
  const result = await lint(file);
  expect(result.code).not.toBe(0);
  expect(result.out).toContain("operation-description");
  expect(result.out).toContain("operation-tag-defined");
}, 60_000);

test("every operation has its module's tag (declared with a description), a summary, who may call it, what it costs and its error codes", async () => {
  for (const path of [OPENAPI_YAML_PATH, RECEIVER_OPENAPI_YAML_PATH]) {
    const doc = parse(await Bun.file(path).text()) as Doc;
    const declared = new Map((doc.tags ?? []).map((t) => [t.name, t.description]));
    for (const { id, op } of operations(doc)) {
      expect(op.tags?.length, id).toBe(1);
      expect(declared.get(op.tags![0]!), `${id}: tag ${op.tags![0]} declared with a description`).toBeTruthy();
      expect(op.summary, id).toBeTruthy();
      if (op[ACCESS_EXTENSION]) expect(op.description, id).toContain("**Who may call:**");
      expect(op.description, id).toContain("**Cost:**");
      // Each code listed for a status answers that status (src/core/error-codes.ts), and the status is declared.
      for (const [status, codes] of Object.entries(op[ERRORS_EXTENSION] ?? {})) {
        expect(Object.keys(op.responses), id).toContain(status);
        for (const code of codes) expect(`${code} ${ERROR_CODES[code]?.status}`, id).toBe(`${code} ${status}`);
        expect(op.description, id).toContain(`- ${status}: \`${codes[0]}\``);
      }
      // Every declared error status but 500 says which codes it carries.
      const errorStatuses = Object.keys(op.responses).filter((s) => Number(s) >= 400 && s !== "500");
      for (const status of errorStatuses) expect(op[ERRORS_EXTENSION]?.[status]?.length ?? 0, `${id} ${status}`).toBeGreaterThan(0);
    }
  }
});

test("the catalogue of costs and codes has an entry for every operation, none for a missing one, and no code its operation cannot answer", async () => {
  const ids = new Set<string>();
  for (const path of [OPENAPI_YAML_PATH, RECEIVER_OPENAPI_YAML_PATH]) {
    const doc = parse(await Bun.file(path).text()) as Doc;
    for (const { id, op } of operations(doc)) {
      ids.add(op.operationId);
      const entry = OPERATION_DOCS[op.operationId];
      expect(entry, `${id}: add ${op.operationId} to src/app/operation-docs.ts`).toBeDefined();
      for (const code of entry?.codes ?? []) {
        expect(Object.keys(op.responses), `${id}: ${code} answers ${ERROR_CODES[code].status}, which the route does not declare`).toContain(String(ERROR_CODES[code].status));
      }
    }
  }
  expect(Object.keys(OPERATION_DOCS).filter((id) => !ids.has(id))).toEqual([]);
});

test("aliases are deprecated and point at their canonical operation; expiresAt is deprecated beside expires_at", async () => {
  const doc = parse(await Bun.file(OPENAPI_YAML_PATH).text()) as Doc & { components: { schemas: Record<string, { properties: Record<string, { deprecated?: boolean }> }> } };
  const receiver = parse(await Bun.file(RECEIVER_OPENAPI_YAML_PATH).text()) as Doc;
  const aliases: [Op | undefined, string][] = [
    [doc.paths["/v1/vendor/withdraw"]?.post, "`POST /v1/vendor/payout`"],
    [doc.paths["/events"]?.get, "`GET /v1/events`"],
    [receiver.paths["/v1/agent"]?.post, "`POST /v1/telemetry`"],
  ];
  for (const [op, canonical] of aliases) {
    expect(op?.deprecated).toBe(true);
    expect(op?.description).toContain(`Deprecated alias of ${canonical}`);
  }
  const deprecated = [...operations(doc), ...operations(receiver)].filter(({ op }) => op.deprecated).map(({ op }) => op.operationId);
  expect(deprecated.sort()).toEqual(["ingestAgentTelemetryAlias", "requestWithdrawal", "streamEventsAlias"]);
  const challenge = doc.components.schemas.Challenge!.properties;
  expect(challenge.expires_at).toBeDefined();
  expect(challenge.expiresAt?.deprecated).toBe(true);
  expect(JSON.stringify(doc)).not.toContain("Create a agent");
});

test("servers is the configured PUBLIC_URL", async () => {
  const config = parseConfig({ PUBLIC_URL: "https://api.machpay.test" });
  const sql = createSql("postgres://openapi@127.0.0.1:1/none", { max: 1 });
  const infra = await createInfra({ config, sql, logger: createLogger("silent"), applicationName: "openapi-lint-test" });
  const doc = buildOpenApiDocument(createApp(infra).app, documentOptions(config)) as unknown as Doc;
  expect(doc.servers?.map((s) => s.url)).toEqual(["https://api.machpay.test"]);
  await sql.end();
  const committed = parse(await Bun.file(OPENAPI_YAML_PATH).text()) as Doc;
  expect(committed.servers?.map((s) => s.url)).toEqual([parseConfig({}).PUBLIC_URL]);
});

test("the money operations and the error envelope carry request and response examples", async () => {
  const doc = parse(await Bun.file(OPENAPI_YAML_PATH).text()) as Doc & { components: { schemas: Record<string, { example?: unknown }> } };
  type Content = { schema?: { $ref?: string; example?: unknown }; example?: unknown };
  const exampleOf = (content: Content | undefined) => {
    if (!content) return undefined;
    if (content.example !== undefined) return content.example;
    const ref = content.schema?.$ref?.split("/").pop();
    return ref ? doc.components.schemas[ref]?.example : content.schema?.example;
  };
  const byId = new Map(operations(doc).map(({ op }) => [op.operationId, op as Op & { requestBody?: { content: Record<string, Content> }; responses: Record<string, { content?: Record<string, Content> }> }]));
  const cases: [string, string][] = [
    ["pay", "201"],
    ["submitGatewayPayment", "201"],
    ["depositBond", "200"],
    ["requestPayout", "201"],
    ["claimDeposit", "200"],
    ["createAgentKey", "201"],
    ["createProfile", "201"],
    ["createWebhook", "201"],
    ["loginWithWallet", "200"],
    ["initLink", "201"],
  ];
  for (const [id, status] of cases) {
    const op = byId.get(id)!;
    expect(exampleOf(op.requestBody?.content["application/json"]), `${id} request`).toBeDefined();
    expect(exampleOf(op.responses[status]?.content?.["application/json"]), `${id} ${status}`).toBeDefined();
  }
  for (const id of ["getAgentBalance", "getService", "getNetworkStats", "getPublicDashboard", "getVendorStats", "getDepositAddress", "whoAmI"]) {
    expect(exampleOf(byId.get(id)!.responses["200"]?.content?.["application/json"]), id).toBeDefined();
  }
  expect(doc.components.schemas.Error?.example).toBeDefined();
});
