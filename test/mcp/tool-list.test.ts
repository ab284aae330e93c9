import { describe, expect, test } from "bun:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { listTools } from "@/mcp/server";
import { TOOLS } from "@/mcp/tools";

// tools/list is served by our handler on the SDK's Server (server.ts), built once. It must be what
// McpServer itself lists for the same tools, schema conversion and all: this registers the
// catalogue on a plain McpServer and compares the two lists as a client receives them.

async function listedBy(server: McpServer) {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: "tool-list-test", version: "1" });
  await client.connect(clientSide);
  try {
    return (await client.listTools()).tools;
  } finally {
    await client.close();
  }
}

describe("tools/list", () => {
  test("is what McpServer.registerTool would list for the same catalogue", async () => {
    const reference = new McpServer({ name: "reference", version: "1" });
    for (const tool of TOOLS) {
      reference.registerTool(tool.name, { title: tool.title, description: tool.description, inputSchema: tool.input, outputSchema: tool.output, annotations: tool.annotations }, () => ({ content: [] }));
    }
    const ours = JSON.parse(JSON.stringify(listTools().tools));
    const theirs = JSON.parse(JSON.stringify(await listedBy(reference)));
    expect(theirs).toHaveLength(8);
    expect(ours).toEqual(theirs);
  });
});
