import { z } from "@hono/zod-openapi";
import type { UserRow } from "./queries/users";

// The reference's example user (/docs): an agent signed in with a wallet.
const USER_EXAMPLE = {
  id: "42",
  email: null,
  wallet_address: "7xKXtg2CW87d97TXJSDpbD5jBkheTqA83TZRuJosgAsU",
  name: "Research agent",
  role: "architect" as const,
  status: "ACTIVE" as const,
  created_at: "2026-12-03T08:00:00.000Z",
};

export const UserSchema = z
  .object({
    id: z.string().openapi({ example: "42", description: "User id (a BIGSERIAL, carried as a string)" }),
    email: z.string().nullable(),
    wallet_address: z.string().nullable(),
    name: z.string().nullable(),
    role: z.enum(["observer", "architect", "operator"]),
    status: z.enum(["ACTIVE", "SUSPENDED"]),
    created_at: z.string().openapi({ format: "date-time" }),
  })
  .openapi("User", { example: USER_EXAMPLE });

export const SessionSchema = z
  .object({
    token: z.string().openapi({ description: "Access JWT (EdDSA), valid for expires_in seconds" }),
    refresh_token: z.string().openapi({ description: "Opaque, single use: POST /v1/auth/refresh rotates it" }),
    token_type: z.literal("Bearer"),
    expires_in: z.number().int(),
    user: UserSchema,
  })
  .openapi("Session", {
    example: {
      token: "eyJhbGciOiJFZERTQSIsImtpZCI6ImsxIn0.eyJzdWIiOiI0MiIsInJvbGUiOiJhcmNoaXRlY3QifQ.c2lnbmF0dXJl",
      refresh_token: "rt_8Qm2VxY4nL0pT6cZ1wB9sD3fH7jK5gR",
      token_type: "Bearer",
      expires_in: 900,
      user: USER_EXAMPLE,
    },
  });

export type UserDTO = z.infer<typeof UserSchema>;
export type SessionDTO = z.infer<typeof SessionSchema>;

export function toUserDTO(row: UserRow): UserDTO {
  return {
    id: row.id.toString(),
    email: row.email,
    wallet_address: row.wallet_address,
    name: row.name,
    role: row.role,
    status: row.status,
    created_at: row.created_at.toISOString(),
  };
}

