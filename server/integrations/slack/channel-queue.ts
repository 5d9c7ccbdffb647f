/**
 * Work per Slack channel, one at a time in each channel (Slack allows about one message a second
 * per channel, and a thread's root must exist before its replies) and at most `concurrency`
 * channels at once, so thread posting never takes the connections task intake needs.
 */
export type ChannelQueue = { push(key: string, work: () => Promise<void>): void; idle(): Promise<void> };

export function createChannelQueue(concurrency: number, onError: (err: unknown) => void): ChannelQueue {
  const pending = new Map<string, (() => Promise<void>)[]>();
  const busy = new Set<string>();
  let active = 0;
  let waiters: (() => void)[] = [];
  const next = () => {
    for (const [key, jobs] of pending) {
      if (active >= concurrency) return;
      if (busy.has(key)) continue;
      const job = jobs.shift()!;
      if (jobs.length === 0) pending.delete(key);
      busy.add(key);
      active++;
      void job()
        .catch(onError)
        .finally(() => {
          busy.delete(key);
          active--;
          next();
          if (active === 0 && pending.size === 0) {
            for (const w of waiters) w();
            waiters = [];
          }
        });
    }
  };
  return {
    push(key, work) {
      const jobs = pending.get(key);
      if (jobs) jobs.push(work);
      else pending.set(key, [work]);
      next();
    },
    idle: () => (active === 0 && pending.size === 0 ? Promise.resolve() : new Promise<void>((r) => waiters.push(r))),
  };
}
