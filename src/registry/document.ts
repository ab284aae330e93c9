import { createHash } from "node:crypto";
import type { McpToolsList } from "./schemas";

// What a service is indexed by (lld-backend.md §3.6): name, description, type, and its tools'
// names and descriptions. Tool names are split into words ("get_current_weather" reads
// "get current weather") so that both the embedder and a reader see words.

export interface IndexedFields {
  name: string;
  description: string;
  service_type: string;
  mcp_tool_def: McpToolsList | null;
}

const splitName = (name: string) =>
  name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/[_.\-/]+/g, " ")
    .trim();

export function documentText(s: IndexedFields): string {
  const lines = [s.name, s.description, s.service_type.replace(/[-_]+/g, " ")];
  for (const tool of s.mcp_tool_def?.tools ?? []) {
    lines.push(tool.description ? `${splitName(tool.name)}: ${tool.description}` : splitName(tool.name));
  }
  return lines.filter((l) => l.trim().length > 0).join("\n");
}

/** sha256 of the embedder's id and the text: a new model or new text means a new embedding. */
export function contentHash(embedderId: string, text: string): string {
  return createHash("sha256").update(embedderId).update("\n").update(text).digest("hex");
}
