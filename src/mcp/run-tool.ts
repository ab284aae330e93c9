import type { CallToolResult, RequestId } from "@modelcontextprotocol/sdk/types.js";
import { requireRoleActor } from "@/http/guards";
import type { McpCall } from "./call";
import { StoredRefusal } from "./refusal";
import { asAppError, refusalOf, toolRefusal, toolSuccess } from "./results";
import type { ToolSpec } from "./tools";

// Every tool call goes through here, as every REST request goes through its route's guard and
// onError: the access rule is checked against the HTTP request's credential (an account tool needs
// an agent, read or write as GET or POST would), and whatever the tool throws becomes a tool error
// with our envelope. Strings PostgreSQL cannot store never get this far: transport.ts refuses the
// whole POST (400, naming the field) as any route refuses such a body.

const METHOD_OF = { read: "GET", write: "POST" } as const;

export async function runTool(call: McpCall, tool: ToolSpec, args: unknown, id: RequestId): Promise<CallToolResult> {
  try {
    if (tool.access !== "public") requireRoleActor(call.ctx.actor, call.authError, METHOD_OF[tool.access], "architect");
    // SAFETY: the SDK parsed args with tool.input before calling (McpServer.validateToolInput).
    const { data, text } = await tool.run(call, args as never);
    return toolSuccess(data, text);
  } catch (err) {
    if (err instanceof StoredRefusal) {
      call.refused(id, err.body.error.code);
      return toolRefusal(err.body);
    }
    const error = asAppError(err, call.ctx.log);
    call.refused(id, error.code);
    return refusalOf(error, call.requestId);
  }
}
