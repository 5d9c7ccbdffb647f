/**
 * Work started after a Slack request was acknowledged, at most `concurrency` at a time so a burst
 * cannot take every database connection, and at most `maxPending` waiting: beyond that the
 * request is refused at once ("busy") instead of queueing work nobody will see in time.
 */
export type Limiter = { run(work: () => Promise<void>): boolean; idle(): Promise<void>; readonly pending: number };

export function createLimiter(concurrency: number, maxPending: number): Limiter {
  const queue: (() => Promise<void>)[] = [];
  let active = 0;
  let waiters: (() => void)[] = [];
  const next = () => {
    while (active < concurrency && queue.length > 0) {
      const work = queue.shift()!;
      active++;
      void work().finally(() => {
        active--;
        next();
        if (active === 0 && queue.length === 0) {
          for (const w of waiters) w();
          waiters = [];
        }
      });
    }
  };
  return {
    run(work) {
      if (queue.length >= maxPending) return false;
      queue.push(work);
      next();
      return true;
    },
    idle: () => (active === 0 && queue.length === 0 ? Promise.resolve() : new Promise<void>((r) => waiters.push(r))),
    get pending() {
      return queue.length + active;
    },
  };
}
