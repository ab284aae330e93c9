import type { TestUser } from "../fixtures";
import type { Operation } from "../fuzz/spec";
import { VICTIM_ENDPOINT_NAME, type SecurityCast } from "./cast";

// Which path parameters name a resource one user owns (another user asking for it must get 404,
// as if it did not exist, and change nothing), and which name nothing a user owns, with why.
// A protected operation with a path parameter in neither list fails the suite: someone decides.

interface Owned {
  what: string;
  /** The victim's resource, as the operation's path parameters. */
  params: (cast: SecurityCast) => Record<string, string>;
  /** Whether its owner still finds it, as it was (so that a 404 to the attacker was not vacuous). */
  stillThere: (baseUrl: string, cast: SecurityCast) => Promise<boolean>;
}

/** A page of a list operation, as the document declares every list: `{data, next_cursor}`. */
export interface Page<T> {
  data: T[];
}

/** The owner's GET; its answer was checked against the document by the harness on its way. */
async function ownerGet<T>(baseUrl: string, owner: TestUser, path: string): Promise<{ status: number; body: T }> {
  const res = await fetch(baseUrl + path, { headers: { authorization: `Bearer ${owner.token}` } });
  return { status: res.status, body: (await res.json()) as T };
}

/** An active key of the owner's, found in their list. */
const keyListed = (path: string, owner: (c: SecurityCast) => TestUser, id: (c: SecurityCast) => string) => async (url: string, c: SecurityCast) => {
  const { body } = await ownerGet<Page<{ id: string; revoked_at: string | null }>>(url, owner(c), `${path}?limit=100`);
  return body.data.some((k) => k.id === id(c) && k.revoked_at === null);
};

const endpoint: Owned = {
  what: "endpoint",
  params: (c) => ({ id: c.victim.endpointId }),
  stillThere: async (url, c) => {
    const { status, body } = await ownerGet<{ name?: string }>(url, c.victim.operator, `/v1/vendor/endpoints/${c.victim.endpointId}`);
    return status === 200 && body.name === VICTIM_ENDPOINT_NAME;
  },
};

const OWNED: Record<string, Owned> = {
  revokeAgentKey: { what: "API key", params: (c) => ({ id: c.victim.agentKeyId }), stillThere: keyListed("/v1/agent/keys", (c) => c.victim.architect, (c) => c.victim.agentKeyId) },
  revokeGatewayKey: { what: "gateway key", params: (c) => ({ id: c.victim.gatewayKeyId }), stillThere: keyListed("/v1/vendor/keys", (c) => c.victim.operator, (c) => c.victim.gatewayKeyId) },
  deleteWebhook: {
    what: "webhook",
    params: (c) => ({ id: c.victim.webhookId }),
    stillThere: async (url, c) => (await ownerGet<Page<{ id: string }>>(url, c.victim.operator, "/v1/webhooks?limit=100")).body.data.some((w) => w.id === c.victim.webhookId),
  },
  getEndpoint: endpoint,
  updateEndpoint: endpoint,
  deleteEndpoint: endpoint,
};

export const NOT_OWNED: Record<string, string> = {
  getLinkRequest: "the pairing code is the capability: whoever holds it is shown the request, to approve it or not",
  getGatewayAgent: "an agent's standing is what any gateway checks before serving that agent",
};

export const ownedResource = (op: Operation): Owned | undefined => OWNED[op.id];

/** List operations showing the caller's own resources of a kind: another user's must not be among them. */
const LISTED: Record<string, { what: string; id: (cast: SecurityCast) => string }> = {
  listAgentKeys: { what: "API key", id: (c) => c.victim.agentKeyId },
  listGatewayKeys: { what: "gateway key", id: (c) => c.victim.gatewayKeyId },
  listWebhooks: { what: "webhook", id: (c) => c.victim.webhookId },
  listEndpoints: { what: "endpoint", id: (c) => c.victim.endpointId },
};

export const listedResource = (op: Operation) => LISTED[op.id];

/** Path parameters of an operation, for the check that each is classified. */
export const pathParamsOf = (op: Operation) => op.params.filter((p) => p.in === "path").map((p) => p.name);
