import type { Actor } from "@/core/actor";
import { AppError } from "@/core/errors";

// Topics (contract.md "Real time"): public `ticker` and `stats`, and `user:<id>` for that user only.

export const DEFAULT_TOPICS = ["ticker", "stats"] as const;
const MAX_TOPICS = 8;
const TOPIC = /^(ticker|stats|user:[1-9]\d{0,18})$/;

export const userTopic = (userId: bigint | string) => `user:${userId}`;

const invalid = (message: string) =>
  new AppError("invalid_request", message, { details: { issues: [{ field: "topics", location: "query", message }] } });

/** `ticker,stats,user:42` -> distinct topics; unknown names are a 400. */
export function parseTopics(raw: string | undefined): string[] {
  if (raw === undefined || raw.trim() === "") return [...DEFAULT_TOPICS];
  const topics = [...new Set(raw.split(",").map((t) => t.trim()).filter(Boolean))];
  const bad = topics.find((t) => !TOPIC.test(t));
  if (bad !== undefined) throw invalid(`unknown topic ${JSON.stringify(bad.slice(0, 40))}: expected ticker, stats or user:<id>`);
  if (topics.length === 0) throw invalid("name at least one topic");
  if (topics.length > MAX_TOPICS) throw invalid(`at most ${MAX_TOPICS} topics`);
  return topics;
}

/** A private topic is its owner's only: 401 without credentials, 403 for anyone else. */
export function authorizeTopics(topics: readonly string[], actor: Actor): void {
  for (const topic of topics) {
    if (!topic.startsWith("user:")) continue;
    if (actor.kind !== "user") {
      throw new AppError("unauthorized", `${topic} is private: send its user's token (Authorization header or access_token)`, {
        headers: { "WWW-Authenticate": 'Bearer realm="machpay"' },
      });
    }
    if (topic !== userTopic(actor.userId)) {
      throw new AppError("forbidden", `${topic} belongs to another user`, { details: { topic } });
    }
  }
}
