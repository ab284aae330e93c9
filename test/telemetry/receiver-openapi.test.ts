import { expect, test } from "bun:test";
import SwaggerParser from "@apidevtools/swagger-parser";
import { parse } from "yaml";
import { RECEIVER_OPENAPI_YAML_PATH, renderReceiverOpenApi } from "@/app";

// The receiver's own document (its own process and port, so not a part of openapi.yaml), committed
// and kept fresh by `bun run openapi` like the API's.

test("the committed openapi-receiver.yaml is fresh (run `bun run openapi`)", async () => {
  expect(await Bun.file(RECEIVER_OPENAPI_YAML_PATH).text()).toBe(renderReceiverOpenApi());
});

test("it is a valid OpenAPI 3.1 document whose operations say who may call them and answer errors in the envelope", async () => {
  const doc = parse(await Bun.file(RECEIVER_OPENAPI_YAML_PATH).text());
  const api = await SwaggerParser.validate(structuredClone(doc));
  expect((api as { openapi?: string }).openapi).toBe("3.1.0");
  const operations = Object.entries<Record<string, { operationId?: string; "x-machpay-access"?: unknown; responses: Record<string, unknown> }>>(doc.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, op]) => ({ label: `${method} ${path}`, op })),
  );
  expect(operations.map((o) => o.label).sort()).toEqual(["get /health", "get /metrics", "get /ready", "post /v1/agent", "post /v1/ingest", "post /v1/telemetry"]);
  for (const { label, op } of operations) {
    expect(op.operationId, label).toBeTruthy();
    expect(op["x-machpay-access"], label).toBeDefined();
    for (const [status, res] of Object.entries(op.responses)) {
      if (Number(status) >= 400) expect(JSON.stringify(res), `${label} ${status}`).toContain("#/components/schemas/Error");
    }
  }
  expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(["bearerAuth", "ingestSignature"]);
});
