import { unwrap, type FetchOutcome } from "./errors.js";

// List operations answer {data: [...], next_cursor}: pass next_cursor back as `cursor` until it is
// null. paginate() does that loop and yields the items one by one.

export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

/**
 * Every item of a cursor-paginated list, fetching pages as the loop needs them:
 *
 *   for await (const tx of paginate((cursor) => api.GET("/v1/agent/transactions", { params: { query: { cursor } } }))) ...
 *
 * `fetchPage` gets undefined for the first page. An error answer throws a MachPayError.
 */
export async function* paginate<T>(fetchPage: (cursor: string | undefined) => Promise<FetchOutcome<Page<T>>>): AsyncGenerator<T, void, undefined> {
  let cursor: string | undefined;
  for (;;) {
    const page = await unwrap(fetchPage(cursor));
    yield* page.data;
    if (!page.next_cursor) return;
    cursor = page.next_cursor;
  }
}
