import { depositAddressTool, getBalanceTool, getLimitsTool, listTransactionsTool } from "./account";
import type { ToolSpec } from "./define";
import { getServiceTool, networkStatsTool, searchServicesTool } from "./discovery";
import { payTool } from "./pay";

export { type ToolAccess, type ToolSpec } from "./define";

/**
 * Every tool /mcp serves (and `machpay mcp` relays), in the order tools/list gives them.
 * SAFETY: each was typed against its own schemas by defineTool; the list erases those types for
 * registration, where the SDK validates arguments and results against the same schemas.
 */
export const TOOLS = [
  searchServicesTool,
  getServiceTool,
  networkStatsTool,
  getBalanceTool,
  listTransactionsTool,
  getLimitsTool,
  depositAddressTool,
  payTool,
] as unknown as readonly ToolSpec[];

/** The catalogue by name: what tools/call looks a tool up in and the audit labels by. */
export const TOOL_BY_NAME: ReadonlyMap<string, ToolSpec> = new Map(TOOLS.map((t) => [t.name, t]));
