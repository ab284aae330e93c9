import type { BaseDeps, Module } from "@/http/module";
import { newRouter } from "@/http/router";
import { registerProfileRoutes } from "./routes";

/** Agent and vendor profiles: who a user is on the network (and the role that follows). */
export function profilesModule(deps: BaseDeps): Module {
  const router = newRouter();
  registerProfileRoutes(router, deps);
  return { router };
}

export { createProfile, getProfile, findProfileOfUser, setReportedPrice } from "./service";
export type { ReportedPriceRow } from "./queries";
export { ProfileSchema, toProfileDTO, type ProfileDTO, type CreateProfileInput } from "./schemas";
