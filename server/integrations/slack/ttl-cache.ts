/**
 * A few seconds of memory for lookups on the intake path (the member, the channel's project), so
 * acknowledging a burst of commands does not queue behind the task writes for database
 * connections. Only task submission uses it; approvals and other decisions always read fresh.
 * Callers that miss while a load is in flight share it (a burst after expiry reads once).
 */
export function ttlCache<T>(ttlMs: number, max = 10_000) {
  const entries = new Map<string, { at: number; value: T }>();
  const loading = new Map<string, Promise<T>>();
  return {
    async get(key: string, load: () => Promise<T>): Promise<T> {
      const hit = entries.get(key);
      if (hit && Date.now() - hit.at < ttlMs) return hit.value;
      const pending = loading.get(key);
      if (pending) return pending;
      const started: Promise<T> = load().finally(() => {
        if (loading.get(key) === started) loading.delete(key);
      });
      loading.set(key, started);
      const value = await started;
      // Misses are not remembered: a person who just linked their account or channel is seen at once.
      if (value === null || value === undefined) return value;
      if (entries.size >= max) entries.clear();
      entries.set(key, { at: Date.now(), value });
      return value;
    },
    delete: (key: string) => {
      entries.delete(key);
      loading.delete(key);
    },
  };
}
