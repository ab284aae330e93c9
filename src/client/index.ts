import createClient, { type Client } from "openapi-fetch";
import type { paths } from "./schema";

// The typed API client the tests and the CLI use; types come from the committed openapi.yaml.
export type { paths, components, operations } from "./schema";
export type ApiClient = Client<paths>;

export function createApiClient(baseUrl: string, token?: string): ApiClient {
  return createClient<paths>({
    baseUrl,
    ...(token ? { headers: { Authorization: `Bearer ${token}` } } : {}),
  });
}
