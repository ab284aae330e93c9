import type { Clock } from "@/core/clock";

/**
 * At most one computation per key per `ttlMs` of the given clock, shared by concurrent callers
 * (single flight). For aggregates every visitor of a public dashboard asks for at once; kept per
 * database handle so that separate databases (tests) never share entries.
 */
export function sharedResults<T>(ttlMs: number, maxKeys = 100) {
  const byDb = new WeakMap<object, Map<string, { at: number; value: Promise<T> }>>();
  return (db: object, clock: Clock, key: string, compute: () => Promise<T>): Promise<T> => {
    let entries = byDb.get(db);
    if (!entries) byDb.set(db, (entries = new Map()));
    const now = clock.now().getTime();
    const hit = entries.get(key);
    if (hit && now >= hit.at && now - hit.at < ttlMs) return hit.value;
    if (entries.size >= maxKeys) entries.clear();
    const value = compute();
    entries.set(key, { at: now, value });
    // A failure is not remembered: the next caller computes again.
    value.catch(() => entries.get(key)?.value === value && entries.delete(key));
    return value;
  };
}
