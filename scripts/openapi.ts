// Writes openapi.yaml, the SDK's generated types (packages/sdk/src) and openapi-receiver.yaml from the route definitions.
// `bun run openapi --check` exits 1 when the committed files are stale.
import { CLIENT_SCHEMA_PATH, OPENAPI_YAML_PATH, SDK_OPERATIONS_PATH, RECEIVER_OPENAPI_YAML_PATH, renderOpenApiArtifacts, renderReceiverOpenApi } from "@/app";

const check = process.argv.includes("--check");
const { yaml, clientSchema, sdkOperations } = await renderOpenApiArtifacts();
const files: [string, string][] = [
  [OPENAPI_YAML_PATH, yaml],
  [CLIENT_SCHEMA_PATH, clientSchema],
  [SDK_OPERATIONS_PATH, sdkOperations],
  [RECEIVER_OPENAPI_YAML_PATH, renderReceiverOpenApi()],
];
let stale = 0;
for (const [path, text] of files) {
  const file = Bun.file(path);
  const current = (await file.exists()) ? await file.text() : "";
  if (current === text) continue;
  if (check) {
    console.error(`${path} is stale: run \`bun run openapi\``);
    stale++;
  } else {
    await Bun.write(path, text);
    console.log(`wrote ${path}`);
  }
}
process.exit(stale > 0 ? 1 : 0);
