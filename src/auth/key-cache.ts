import type { ActiveKeyRow } from "./queries/api-keys";

// API keys are looked up on every request of the payment path. A resolved key is kept for a
// short time; revoking it on this instance forgets it at once, and other instances stop
// accepting it within KEY_CACHE_MS (the price of not querying per request).
export const KEY_CACHE_MS = 2000;

interface Entry {
  row: ActiveKeyRow;
  until: number;
}

const byDb = new WeakMap<object, Map<string, Entry>>();

function mapOf(db: object) {
  let map = byDb.get(db);
  if (!map) byDb.set(db, (map = new Map()));
  return map;
}

export function cachedKey(db: object, hash: string, now = performance.now()): ActiveKeyRow | undefined {
  const entry = mapOf(db).get(hash);
  if (!entry) return undefined;
  if (entry.until > now) return entry.row;
  mapOf(db).delete(hash);
  return undefined;
}

export function rememberKey(db: object, hash: string, row: ActiveKeyRow, now = performance.now()) {
  const map = mapOf(db);
  if (map.size > 50_000) map.clear();
  map.set(hash, { row, until: now + KEY_CACHE_MS });
}

export function forgetKey(db: object, id: bigint) {
  const map = mapOf(db);
  for (const [hash, entry] of map) if (entry.row.id === id) map.delete(hash);
}
