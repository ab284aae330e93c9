import { prepareTemplate } from "./db";

// Runs once per `bun test` process, before any test file: every file clones this template.
await prepareTemplate();
