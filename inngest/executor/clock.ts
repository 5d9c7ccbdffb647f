/**
 * Time source for everything the executor schedules (sleeps, timeouts, backoff, cron, leases).
 * Request signatures use real wall time instead: the SDK rejects signatures older than 5 minutes.
 */
export type Clock = {
  now(): number;
  /** Called when time jumps, so the scheduler can look for newly due work at once. */
  onAdvance?(listener: () => void): () => void;
};

export const systemClock: Clock = { now: () => Date.now() };

export type TestClock = Clock & {
  advance(ms: number): void;
  set(epochMs: number): void;
};

/** A clock that only moves when a test moves it; sleeps become due when the test advances time. */
export function createTestClock(start = Date.parse("2030-01-01T00:00:00Z")): TestClock {
  let current = start;
  const listeners = new Set<() => void>();
  const notify = () => listeners.forEach((l) => l());
  return {
    now: () => current,
    advance(ms) {
      current += ms;
      notify();
    },
    set(epochMs) {
      current = epochMs;
      notify();
    },
    onAdvance(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
