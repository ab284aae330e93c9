// Who is calling. Verbs check authorization against this, never against raw headers.

export type Role = "observer" | "architect" | "operator";
/** The roles a profile gives (an observer has none yet): the ones an operation can require. */
export type ProfileRole = Exclude<Role, "observer">;
export type Permission = "read" | "write";
export type KeyKind = "agent" | "gateway";

export interface UserActor {
  kind: "user";
  userId: bigint;
  role: Role;
  permissions: readonly Permission[];
  /** How the caller proved who they are. */
  via: "jwt" | "api_key" | "device";
  apiKey?: { id: bigint; kind: KeyKind };
  /** A linked device key (agent CLI/SDK or vendor gateway) that signed this request. */
  device?: { pubkey: string; kind: "agent" | "vendor" };
}

export type Actor =
  | { kind: "anonymous" }
  | UserActor
  | { kind: "system"; job: string }
  | { kind: "simulator" };

export const anonymous: Actor = { kind: "anonymous" };
export const ALL_PERMISSIONS: readonly Permission[] = ["read", "write"];
