import { connectApi, send } from "../api";
import type { CliContext } from "../context";
import { usageError } from "../errors";
import { showUsdc } from "../money";

// `machpay services search <text>`: the marketplace's search, no credentials needed.

export async function servicesSearchCommand(ctx: CliContext, text: string | undefined, options: { limit: string | undefined }) {
  if (!text?.trim()) throw usageError("missing the search text: machpay services search <text>");
  const limit = options.limit === undefined ? 10 : Number(options.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 50) throw usageError(`--limit must be a whole number from 1 to 50, not ${options.limit}`);
  const api = connectApi(ctx.apiUrl);
  const found = await send(api, api.client.GET("/v1/services/search", { ...api.init(), params: { query: { q: text, limit } } }));
  const lines = found.length === 0 ? [`No service matches "${text}".`] : found.map(
    (s) => `${s.id.padEnd(28)} ${showUsdc(s.price_atomic, "price_atomic").padStart(14)}  ${s.name}${s.description ? ` - ${s.description.slice(0, 60)}` : ""}`,
  );
  ctx.out.result({ services: found }, lines);
}
