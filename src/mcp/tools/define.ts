import type { ToolAnnotations } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import type { McpCall } from "../call";

// A tool of the catalogue: its name and description (written for a model choosing among tools),
// its input and output schemas (zod: the SDK validates arguments against the first and structured
// results against the second, and lists both as JSON Schema), who may call it, and what it does,
// which is always a verb of another module reached through that module's index.ts.

/** public: anyone (discovery); read / write: an agent (architect role) whose credential holds that permission, as REST's GET / POST. */
export type ToolAccess = "public" | "read" | "write";

export interface ToolOutcome<O> {
  data: O;
  /** What the model reads: the result in a few lines, every id and amount it may need next. */
  text: string;
}

export interface ToolSpec<I extends z.ZodObject = z.ZodObject, O extends z.ZodObject = z.ZodObject> {
  name: string;
  title: string;
  description: string;
  input: I;
  output: O;
  access: ToolAccess;
  annotations: ToolAnnotations;
  run(call: McpCall, args: z.output<I>): Promise<ToolOutcome<z.output<O>>>;
}

/** Keeps a tool's argument and result types tied to its schemas. */
export const defineTool = <I extends z.ZodObject, O extends z.ZodObject>(spec: ToolSpec<I, O>): ToolSpec<I, O> => spec;
