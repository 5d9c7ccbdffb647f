/**
 * Group commit for the drain's writes: a call made while a run for its key is in flight waits and
 * goes with the others that arrived meanwhile in the next run (one statement or transaction for a
 * burst instead of one each), and a lone call runs at once. Runs of different keys go side by
 * side, at most `concurrency` at a time; runs of one key never overlap.
 */
export type Settled<R> = { value: R } | { error: unknown };

export type BatcherOptions<T, R> = {
  /** Does the work of one batch; returns one outcome per item, in order. A throw fails them all. */
  run: (items: T[], key: string) => Promise<Settled<R>[]>;
  key?: (item: T) => string;
  maxBatch?: number;
  concurrency?: number;
};

export type Batcher<T, R> = (item: T) => Promise<R>;

export function batcher<T, R>(opts: BatcherOptions<T, R>): Batcher<T, R> {
  const { run, key = () => "", maxBatch = 100, concurrency = 1 } = opts;
  type Entry = { item: T; ok: (r: R) => void; fail: (e: unknown) => void };
  const waiting = new Map<string, Entry[]>();
  const busy = new Set<string>();
  let active = 0;

  const next = () => {
    for (const [k, entries] of waiting) {
      if (active >= concurrency) return;
      if (busy.has(k)) continue;
      const batch = entries.splice(0, maxBatch);
      if (entries.length === 0) waiting.delete(k);
      busy.add(k);
      active++;
      void Promise.resolve()
        .then(() =>
          run(
            batch.map((e) => e.item),
            k,
          ),
        )
        .then(
          (outcomes) =>
            batch.forEach((e, i) => {
              const o = outcomes[i];
              if (!o) e.fail(new Error("batch run returned no outcome for an item"));
              else if ("error" in o) e.fail(o.error);
              else e.ok(o.value);
            }),
          (err: unknown) => batch.forEach((e) => e.fail(err)),
        )
        .finally(() => {
          busy.delete(k);
          active--;
          next();
        });
    }
  };

  return (item) =>
    new Promise<R>((ok, fail) => {
      const k = key(item);
      const entries = waiting.get(k);
      if (entries) entries.push({ item, ok, fail });
      else waiting.set(k, [{ item, ok, fail }]);
      next();
    });
}

export const settledAll = <R>(values: R[]): Settled<R>[] => values.map((value) => ({ value }));
