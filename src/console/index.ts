import type { Module } from "@/http/module";
import { newRouter } from "@/http/router";
import { registerConsoleRoutes } from "./routes";

export { parseCliPort } from "./routes";

/** The console pages this server serves (pairing approval, CLI sign-in, the live view). */
export function consoleModule(): Module {
  const router = newRouter();
  registerConsoleRoutes(router);
  return { router };
}
