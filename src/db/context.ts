import type { Actor } from "@/core/actor";
import type { Clock } from "@/core/clock";
import type { Logger } from "@/core/logger";
import type { Tx } from "./client";

/**
 * What every verb receives first. HTTP routes, the CLI, workers and the simulator all build one,
 * so business rules run the same way whoever calls. Modules extend it with their own ports.
 */
export interface Ctx {
  sql: Tx;
  actor: Actor;
  clock: Clock;
  log: Logger;
}
