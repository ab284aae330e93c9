import { issueSession, type SessionDTO, type UserRow } from "@/auth";
import type { Actor } from "@/core/actor";
import type { Ctx } from "@/db/context";
import { randomBase62 } from "@/core/ids";
import { createProfile } from "@/profiles";
import type { ApiClient } from "@machpay/sdk";
import type { TestApp } from "./app";

// Fixtures mint their own users per test; nothing is shared or seeded.

export interface TestUser {
  id: bigint;
  email: string;
  session: SessionDTO;
  token: string;
  client: ApiClient;
}

export function systemCtx(t: TestApp, actor: Actor = { kind: "system", job: "test" }): Ctx {
  return { sql: t.sql, actor, clock: t.deps.clock, log: t.logger };
}

const sessionCtx = (t: TestApp, actor: Actor) => ({
  ...systemCtx(t, actor),
  tokens: t.deps.tokens,
  accessTtlSeconds: t.config.ACCESS_TOKEN_TTL_SECONDS,
  refreshTtlSeconds: t.config.REFRESH_TOKEN_TTL_SECONDS,
});

/** A signed-in user; with `profile`, an architect (agent) or operator (vendor). */
export async function createUser(
  t: TestApp,
  options: { profile?: "agent" | "vendor"; email?: string; name?: string } = {},
): Promise<TestUser> {
  const email = options.email ?? `user-${randomBase62(10).toLowerCase()}@example.test`;
  const [row] = await t.sql<UserRow[]>`
    INSERT INTO users (email, name) VALUES (${email}, ${options.name ?? null})
    RETURNING id, email, wallet_address, google_sub, name, role, status, created_at`;
  let user = row!;
  const actor: Actor = { kind: "user", userId: user.id, role: user.role, permissions: ["read", "write"], via: "jwt" };
  if (options.profile === "agent") {
    await createProfile(systemCtx(t, actor), { type: "agent", name: options.name ?? "Test Agent" });
    user = { ...user, role: "architect" };
  } else if (options.profile === "vendor") {
    await createProfile(systemCtx(t, actor), {
      type: "vendor",
      name: options.name ?? "Test Vendor",
      service_type: "inference-llm",
      withdrawal_address: "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin",
      base_price_atomic: "5000",
    });
    user = { ...user, role: "operator" };
  }
  const session = await issueSession(sessionCtx(t, actor), user);
  return { id: user.id, email, session, token: session.token, client: t.client(session.token) };
}
