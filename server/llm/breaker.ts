/**
 * A circuit breaker per provider and workspace (keys `runner:<workspaceId>`, `openai:<workspaceId>`):
 * after `threshold` failures in a row it opens and the router skips the provider for `cooldownMs`
 * (or the provider's Retry-After, if longer); then one trial call is let through (half-open):
 * success closes it, failure opens it again, and a trial that ends with neither (a busy runner, the
 * caller going away, the caller's own mistake) must be handed back with `release` so the next call
 * can try. In memory, per app instance.
 */

export type BreakerState = "closed" | "open" | "half-open";

type Entry = { failures: number; openUntil: number; trial: boolean };

export class CircuitBreaker {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly opts: { threshold: number; cooldownMs: number; now?: () => number } = { threshold: 5, cooldownMs: 30_000 },
  ) {}

  private now(): number {
    return this.opts.now?.() ?? Date.now();
  }

  state(key: string): BreakerState {
    const e = this.entries.get(key);
    if (!e || e.openUntil === 0) return "closed";
    return this.now() < e.openUntil ? "open" : "half-open";
  }

  /** Whether a call may go to `key` now; in half-open, only one trial at a time. */
  allow(key: string): boolean {
    const state = this.state(key);
    if (state === "closed") return true;
    if (state === "open") return false;
    const e = this.entries.get(key)!;
    if (e.trial) return false;
    e.trial = true;
    return true;
  }

  success(key: string): void {
    this.entries.delete(key);
  }

  /** Ends a half-open trial that said nothing about the provider's health; the next call may try. */
  release(key: string): void {
    const e = this.entries.get(key);
    if (e) e.trial = false;
  }

  failure(key: string, retryAfterMs?: number | null): void {
    const e = this.entries.get(key) ?? { failures: 0, openUntil: 0, trial: false };
    e.failures += 1;
    const wasTrial = e.trial;
    e.trial = false;
    if (wasTrial || e.failures >= this.opts.threshold || (retryAfterMs ?? 0) > 0) {
      e.openUntil = this.now() + Math.max(this.opts.cooldownMs, retryAfterMs ?? 0);
    }
    this.entries.set(key, e);
  }

  /** Milliseconds until an open circuit lets a trial through. */
  retryInMs(key: string): number {
    const e = this.entries.get(key);
    return e ? Math.max(0, e.openUntil - this.now()) : 0;
  }
}
