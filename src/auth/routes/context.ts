import type { Context } from "hono";
import type { AppDeps } from "@/http/deps";
import type { HonoEnv } from "@/http/env";
import { ctxOf } from "@/http/context";
import type { SessionCtx } from "../sessions";

export function sessionCtx(deps: AppDeps, c: Context<HonoEnv>): SessionCtx {
  return {
    ...ctxOf(deps, c),
    tokens: deps.tokens,
    accessTtlSeconds: deps.config.ACCESS_TOKEN_TTL_SECONDS,
    refreshTtlSeconds: deps.config.REFRESH_TOKEN_TTL_SECONDS,
  };
}
