import createClient, { type Client, type Middleware } from "openapi-fetch";
import { subscribe, type MachPayEvent, type SubscribeOptions } from "./events.js";
import { IDEMPOTENT_OPERATIONS } from "./operations.js";
import type { paths } from "./schema.js";

// @machpay/sdk: the typed client generated from openapi.yaml (`bun run openapi` writes schema.ts
// and operations.ts), plus the few things every caller would otherwise write again: credentials
// on every request, an Idempotency-Key on every money call, the error envelope as an exception,
// cursor pagination and the SSE stream.

export type { paths, components, operations } from "./schema.js";
export { MachPayError, unwrap, type ErrorEnvelope, type FetchOutcome } from "./errors.js";
export { paginate, type Page } from "./pagination.js";
export { atomicToUsdc, usdcToAtomic, usdcToAtomicString, USDC_DECIMALS } from "./money.js";
export { IDEMPOTENT_OPERATIONS } from "./operations.js";
export type { MachPayEvent, SubscribeOptions } from "./events.js";

export type ApiClient = Client<paths>;

/** The bare typed client: every operation of openapi.yaml, no conveniences but a bearer token. */
export function createApiClient(baseUrl: string, token?: string): ApiClient {
  return createClient<paths>({
    baseUrl,
    ...(token ? { headers: { Authorization: `Bearer ${token}` } } : {}),
  });
}

export interface MachPayOptions {
  /** The API's base URL, e.g. http://localhost:8081. */
  baseUrl: string;
  /** An agent or vendor API key (mp_sk_live_...), sent as `Authorization: Bearer`. */
  apiKey?: string | undefined;
  /** Or an access token (JWT) from a sign-in. The API key wins when both are given. */
  accessToken?: string | undefined;
  /** Headers for every request. */
  headers?: Record<string, string> | undefined;
  /** A fetch of your own (tests, proxies); the global one by default. */
  fetch?: typeof fetch | undefined;
  /** Makes the Idempotency-Key of money calls that have none; crypto.randomUUID() by default. */
  idempotencyKey?: (() => string) | undefined;
}

export interface MachPay {
  /**
   * The typed client: `await mp.api.POST("/v1/agent/pay", { body })` answers `{ data, error, response }`;
   * wrap it in unwrap() for the data or a MachPayError. Money calls get an Idempotency-Key of their
   * own unless you pass one (`headers: { "Idempotency-Key": ... }`): keep yours to retry safely.
   */
  api: ApiClient;
  /** GET /v1/events as an async iterator, resuming with Last-Event-ID after a dropped connection. */
  events(options?: SubscribeOptions): AsyncGenerator<MachPayEvent, void, undefined>;
}

export function createMachPay(options: MachPayOptions): MachPay {
  const baseUrl = options.baseUrl.replace(/\/+$/, "");
  const credential = options.apiKey ?? options.accessToken;
  const headers = (): Record<string, string> => ({ ...options.headers, ...(credential ? { Authorization: `Bearer ${credential}` } : {}) });
  const makeKey = options.idempotencyKey ?? (() => crypto.randomUUID());
  const api = createClient<paths>({ baseUrl, headers: headers(), ...(options.fetch ? { fetch: options.fetch } : {}) });
  const idempotency: Middleware = {
    onRequest({ request, schemaPath }) {
      if (!IDEMPOTENT_OPERATIONS.has(`${request.method} ${schemaPath}`) || request.headers.has("idempotency-key")) return undefined;
      request.headers.set("Idempotency-Key", makeKey());
      return request;
    },
  };
  api.use(idempotency);
  return {
    api,
    events: (subscribeOptions) => subscribe({ baseUrl, headers, fetch: options.fetch ?? fetch }, subscribeOptions),
  };
}
