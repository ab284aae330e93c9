import { z } from "@hono/zod-openapi";
import type { UserRow } from "./queries/users";

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
  .openapi("User");

export const SessionSchema = z
  .object({
    token: z.string().openapi({ description: "Access JWT (EdDSA), valid for expires_in seconds" }),
    refresh_token: z.string().openapi({ description: "Opaque, single use: POST /v1/auth/refresh rotates it" }),
    token_type: z.literal("Bearer"),
    expires_in: z.number().int(),
    user: UserSchema,
  })
  .openapi("Session");

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

