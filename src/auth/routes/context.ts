import type { Context } from "hono";
import type { AuthDeps } from "../deps";
import type { HonoEnv } from "@/http/env";
import { ctxOf } from "@/http/context";
import type { SessionCtx } from "../sessions";

export function sessionCtx(deps: AuthDeps, c: Context<HonoEnv>): SessionCtx {
  return {
    ...ctxOf(deps, c),
    tokens: deps.tokens,
    accessTtlSeconds: deps.config.ACCESS_TOKEN_TTL_SECONDS,
    refreshTtlSeconds: deps.config.REFRESH_TOKEN_TTL_SECONDS,
  };
}
