// The composition root: builds the dependencies, assembles the modules into one app, and owns the
// order things start and stop in. Only entry points (main.ts, scripts, the test harness) import it.
export { createInfra, type Infra, type InfraOverrides } from "./infra";
export { createApp, type BuiltApp, type AppModules } from "./app";
export { closeInfra, startApp, type Background, type RunningApp } from "./lifecycle";
export { renderOpenApiArtifacts, renderReceiverOpenApi, OPENAPI_YAML_PATH, CLIENT_SCHEMA_PATH, SDK_OPERATIONS_PATH, RECEIVER_OPENAPI_YAML_PATH } from "./openapi-artifacts";
export { readConfigOrExit, listenOrExit, runUntilSignalled } from "./process";
export { createReceiverInfra, createReceiverApp, startReceiver, buildReceiverDocument, type ReceiverInfra, type ReceiverOverrides, type BuiltReceiver } from "./receiver";
export { documentOptions, OPERATION_DOCS } from "./operation-docs";
