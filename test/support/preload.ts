import { prepareTemplate } from "./db";
import { installFetchCheck } from "./schema/findings";

// Runs once per `bun test` process, before any test file: every file clones this template.
await prepareTemplate();
// Answers that break the OpenAPI document fail the test that fetched them (schema/findings.ts).
installFetchCheck();
