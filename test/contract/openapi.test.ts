import { expect, test } from "bun:test";
import SwaggerParser from "@apidevtools/swagger-parser";
import { parse } from "yaml";
import { CLIENT_SCHEMA_PATH, OPENAPI_YAML_PATH, SDK_OPERATIONS_PATH, renderOpenApiArtifacts } from "@/app";

test("the committed openapi.yaml and the SDK's generated files are fresh (run `bun run openapi`)", async () => {
  const { yaml, clientSchema, sdkOperations } = await renderOpenApiArtifacts();
  expect(await Bun.file(OPENAPI_YAML_PATH).text()).toBe(yaml);
  expect(await Bun.file(CLIENT_SCHEMA_PATH).text()).toBe(clientSchema);
  expect(await Bun.file(SDK_OPERATIONS_PATH).text()).toBe(sdkOperations);
});

test("openapi.yaml is a valid OpenAPI 3.1 document", async () => {
  const doc = parse(await Bun.file(OPENAPI_YAML_PATH).text());
  const api = await SwaggerParser.validate(doc);
  expect((api as { openapi?: string }).openapi).toBe("3.1.0");
});

test("every operation has an operationId and every error response uses the shared envelope", async () => {
  const doc = parse(await Bun.file(OPENAPI_YAML_PATH).text());
  for (const [path, item] of Object.entries<Record<string, { operationId?: string; responses: Record<string, unknown> }>>(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      expect(op.operationId, `${method} ${path}`).toBeTruthy();
      for (const [status, res] of Object.entries(op.responses)) {
        if (Number(status) < 400) continue;
        expect(JSON.stringify(res), `${method} ${path} ${status}`).toContain("#/components/schemas/Error");
      }
    }
  }
});
