import { upsertSimulatedUser } from "@/auth";
import type { UserActor } from "@/core/actor";
import type { Ctx } from "@/db/context";
import { AppError } from "@/core/errors";
import { createProfile, findProfileOfUser } from "@/profiles";
import { REGIONS } from "@/public";
import { setVendorRegion } from "./queries";

export const SERVICE_TYPES = ["inference-llm", "image-generation", "web-search", "embeddings", "speech-to-text", "code-execution"] as const;
// Any valid address: simulated vendors never withdraw.
const WITHDRAWAL_ADDRESS = "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin";

export interface SimAgent {
  id: bigint;
  region: string;
}
export interface SimVendor {
  id: bigint;
  region: string;
  serviceType: string;
}

/** The simulated user as the actor of its own verbs (payments, profile). */
export function simActor(userId: bigint, role: UserActor["role"]): UserActor {
  // via "jwt": the ledger treats the simulator like a signed-in user of its own accounts.
  return { kind: "user", userId, role, permissions: ["read", "write"], via: "jwt" };
}

async function ensureProfile(ctx: Ctx, userId: bigint, input: Parameters<typeof createProfile>[1]) {
  if (await findProfileOfUser(ctx, userId)) return;
  try {
    await createProfile({ ...ctx, actor: simActor(userId, "observer") }, input);
  } catch (err) {
    // Another simulator created it meanwhile.
    if (!(err instanceof AppError && err.code === "profile_exists")) throw err;
  }
}

/** Creates the simulated agents and vendors once; later runs find the same ones. */
export async function ensureActors(ctx: Ctx, counts: { agents: number; vendors: number }) {
  const agents: SimAgent[] = [];
  const vendors: SimVendor[] = [];
  for (let i = 1; i <= counts.agents; i++) {
    const id = await upsertSimulatedUser(ctx.sql, `sim-agent-${i}@simulated.machpay`, `Sim Agent ${i}`);
    await ensureProfile(ctx, id, { type: "agent", name: `Sim Agent ${i}`, description: "Simulated traffic (ENABLE_SIMULATION)" });
    agents.push({ id, region: REGIONS[(i - 1) % REGIONS.length]!.id });
  }
  for (let i = 1; i <= counts.vendors; i++) {
    const serviceType = SERVICE_TYPES[(i - 1) % SERVICE_TYPES.length]!;
    const id = await upsertSimulatedUser(ctx.sql, `sim-vendor-${i}@simulated.machpay`, `Sim Vendor ${i}`);
    await ensureProfile(ctx, id, {
      type: "vendor",
      name: `Sim Vendor ${i}`,
      service_type: serviceType,
      withdrawal_address: WITHDRAWAL_ADDRESS,
      base_price_atomic: "5000",
    });
    // Vendors sit in other data centers than the agents of the same index: flows cross the globe.
    const region = REGIONS[(i * 3) % REGIONS.length]!.id;
    await setVendorRegion(ctx.sql, id, region);
    vendors.push({ id, region, serviceType });
  }
  return { agents, vendors };
}
