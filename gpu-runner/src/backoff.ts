/**
 * Exponential backoff with full jitter: the n-th retry waits a uniformly random time in
 * [0, min(cap, base * 2^n)). Jitter spreads a fleet of runners that all lost the same server, so
 * they do not reconnect in lockstep.
 */

export type BackoffOptions = {
  baseMs?: number;
  capMs?: number;
  random?: () => number;
};

export type Backoff = {
  /** Delay before the next attempt; each call counts as one more failure. */
  next: () => number;
  /** Back to the first step, e.g. after a connection that stayed up. */
  reset: () => void;
  readonly attempt: number;
};

export function createBackoff(options: BackoffOptions = {}): Backoff {
  const { baseMs = 500, capMs = 30_000, random = Math.random } = options;
  let attempt = 0;
  return {
    next() {
      // Clamp the exponent so 2^attempt never overflows into Infinity on a long outage.
      const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(attempt, 30));
      attempt += 1;
      return Math.floor(random() * ceiling);
    },
    reset() {
      attempt = 0;
    },
    get attempt() {
      return attempt;
    },
  };
}
