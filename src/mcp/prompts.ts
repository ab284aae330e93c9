import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { GetPromptResult } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { callOf } from "./call";
import { asProtocolError } from "./protocol-errors";
import { readService } from "./resources";
import { serviceUri } from "./service-view";

// Prompts a host offers its user ("/machpay ..."): each is a message that walks a model through
// choosing and paying for a service with the tools above, the safe way (budget and limits first,
// one idempotency key per intended payment).

const user = (text: string): GetPromptResult["messages"][number] => ({ role: "user", content: { type: "text", text } });

function findAndPay(task: string, budget: string | undefined): GetPromptResult {
  const ceiling = budget ? ` Spend at most ${budget} USDC per call: pass max_price_usdc "${budget}" to search_services.` : "";
  return {
    description: "Choose a MachPay service for a task and pay for it",
    messages: [
      user(
        `I need a paid service for this task: ${task}.${ceiling}\n\n` +
          "Use the MachPay tools:\n" +
          "1. search_services with the task in plain words. Compare the results' price_usdc, score and why; prefer the cheapest service that clearly fits.\n" +
          "2. get_service on your choice to read its tool definitions and gateway, and check it can do the task.\n" +
          "3. get_balance and get_limits: the price must fit the available balance, the per-payment limit and the daily limit. If it does not, stop and tell me why.\n" +
          '4. pay {to: <service id>, amount_atomic: <its price_atomic>, idempotency_key: <a new UUID>, reference: <a short note of the task>}. If the call fails or times out, retry with the SAME idempotency_key: it never pays twice.\n' +
          "5. Tell me the service, the amount paid, the transaction id and the balance left, then use the service's gateway.",
      ),
    ],
  };
}

// Built once: a zod schema costs more to build than the whole rest of a request's server.
const FIND_AND_PAY_ARGS = {
  task: z.string().min(1).max(500).describe("What the service must do, in plain words"),
  budget_usdc: z.string().max(40).regex(/^\d+(\.\d+)?$/).optional().describe('The most to pay per call, in USDC, e.g. "0.01"'),
};
const PAY_FOR_SERVICE_ARGS = { service_id: z.string().min(1).max(64).describe('The service id, e.g. "openai-gpt4"') };

export function registerPrompts(server: McpServer): void {
  server.registerPrompt(
    "find_and_pay",
    {
      title: "Find a service and pay for it",
      description: "Walks the model through choosing a MachPay service for a task (search, compare, check balance and limits) and paying for it once, safely.",
      argsSchema: FIND_AND_PAY_ARGS,
    },
    ({ task, budget_usdc }) => findAndPay(task, budget_usdc),
  );

  server.registerPrompt(
    "pay_for_service",
    {
      title: "Pay for a known service",
      description: "Puts a service's documentation (its machpay://services resource) in front of the model and asks it to pay for one call, checking balance and limits first.",
      argsSchema: PAY_FOR_SERVICE_ARGS,
    },
    async ({ service_id }, extra) => {
      const call = callOf(extra);
      try {
        const uri = serviceUri(service_id);
        const read = await readService(call, uri, service_id);
        const doc = read.contents[0]!;
        return {
          description: `Pay for one call of ${service_id}`,
          messages: [
            { role: "user", content: { type: "resource", resource: { uri, mimeType: "text/markdown", text: "text" in doc ? doc.text : "" } } },
            user(
              `Pay for one call of the service above (${service_id}). First get_balance and get_limits: its price must fit both; if not, stop and say why. ` +
                "Then pay with to set to its id, amount_atomic set to its price, and a new idempotency_key (retry with the same key if the call fails). " +
                "Report the transaction id and the balance left.",
            ),
          ],
        };
      } catch (err) {
        throw asProtocolError(call, err);
      }
    },
  );
}
