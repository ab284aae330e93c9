import type { Module } from "@/http/module";
import { newRouter } from "@/http/router";
import { registerConsoleRoutes } from "./routes";

export { parseCliPort, UPLOT_SCRIPT, UPLOT_STYLE } from "./routes";

/** The console pages this server serves (the landing page at /, pairing approval, CLI sign-in, the live view, the account). */
export function consoleModule(): Module {
  const router = newRouter();
  registerConsoleRoutes(router);
  return { router };
}
