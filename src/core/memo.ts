// A bounded cache of facts that never change once true (a device key's binding, a user's profile
// type), kept per database handle so that test databases in one process never share entries.

export function permanentFacts<K, V>(maxEntries = 100_000) {
  const byDb = new WeakMap<object, Map<K, V>>();
  return {
    async get(db: object, key: K, load: () => Promise<V | undefined>): Promise<V | undefined> {
      let map = byDb.get(db);
      if (!map) byDb.set(db, (map = new Map()));
      const hit = map.get(key);
      if (hit !== undefined) return hit;
      const value = await load();
      // Only positive answers are kept: a key not linked yet may be linked a second later.
      if (value !== undefined) {
        if (map.size >= maxEntries) map.clear();
        map.set(key, value);
      }
      return value;
    },
  };
}
