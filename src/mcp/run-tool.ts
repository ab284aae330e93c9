import type { CallToolResult, RequestId } from "@modelcontextprotocol/sdk/types.js";
import { AppError } from "@/core/errors";
import { requireRoleActor } from "@/http/guards";
import { validationError } from "@/http/router";
import type { McpCall } from "./call";
import { StoredRefusal } from "./refusal";
import { asAppError, refusalOf, toolRefusal, toolSuccess } from "./results";
import type { ToolSpec } from "./tools";

// Every tool call goes through here, as every REST request goes through its route's validator,
// guard and onError: the arguments are checked against the tool's input schema (a refusal names
// the argument, as REST's names the field), the access rule against the HTTP request's credential
// (an account tool needs an agent, read or write as GET or POST would), the result against the
// tool's output schema (the structured content a client validates: not matching it is our bug,
// answered internal_error), and whatever the tool throws becomes a tool error with our envelope.
// Both schema checks run synchronously, where zod compiles object parsing; the SDK's McpServer
// checks the same schemas asynchronously, which zod does field by field, and that was the largest
// share of the CPU a tool call spent beyond its REST twin (a third of it for search_services).
// Strings PostgreSQL cannot store never get this far: transport.ts refuses the whole POST.

const METHOD_OF = { read: "GET", write: "POST" } as const;

/** What the audit records for the two refusals made before a tool runs (audit.ts). */
const UNKNOWN_TOOL = "unknown_tool";
const INVALID_ARGUMENTS = "invalid_arguments";

export async function runTool(call: McpCall, tools: ReadonlyMap<string, ToolSpec>, name: string, args: unknown, id: RequestId): Promise<CallToolResult> {
  const tool = tools.get(name);
  if (!tool) {
    call.refused(id, UNKNOWN_TOOL);
    return refusalOf(new AppError("not_found", `Tool ${name} not found: tools/list names the tools of this server`), call.requestId);
  }
  const parsed = tool.input.safeParse(args ?? {});
  if (!parsed.success) {
    call.refused(id, INVALID_ARGUMENTS);
    return refusalOf(validationError(parsed.error, "arguments"), call.requestId);
  }
  try {
    if (tool.access !== "public") requireRoleActor(call.ctx.actor, call.authError, METHOD_OF[tool.access], "architect");
    const { data, text } = await tool.run(call, parsed.data);
    const checked = tool.output.safeParse(data);
    if (!checked.success) throw new Error(`tool ${name} answered outside its output schema: ${checked.error.message}`);
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
