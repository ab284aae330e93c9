import type { Module, Runs } from "@/http/module";
import { newRouter } from "@/http/router";
import type { AuthDeps } from "./deps";
import { registerAuthRoutes } from "./routes";

/** Sign-in, sessions and API keys: its routes, and the batcher of API keys' last_used_at. */
export function authModule(deps: AuthDeps): Module & Runs {
  const router = newRouter();
  registerAuthRoutes(router, deps);
  return {
    router,
    start() {
      deps.keyUsage.start(10_000);
      return () => deps.keyUsage.stop();
    },
  };
}
