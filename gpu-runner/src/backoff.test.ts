import { describe, expect, it } from "vitest";
import { createBackoff } from "./backoff";

describe("createBackoff", () => {
  it("doubles the ceiling per attempt up to the cap (random() just below 1)", () => {
    const backoff = createBackoff({ baseMs: 500, capMs: 30_000, random: () => 0.999999 });
    const delays = Array.from({ length: 10 }, () => backoff.next());
    expect(delays).toEqual([499, 999, 1999, 3999, 7999, 15999, 29999, 29999, 29999, 29999]);
  });

  it("waits nothing when random() is 0 (full jitter starts at zero)", () => {
    const backoff = createBackoff({ random: () => 0 });
    expect([backoff.next(), backoff.next(), backoff.next()]).toEqual([0, 0, 0]);
  });

  it("keeps every delay within [0, min(cap, base * 2^n)) with the real random()", () => {
    const backoff = createBackoff({ baseMs: 500, capMs: 30_000 });
    for (let n = 0; n < 200; n++) {
      const delay = backoff.next();
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(Math.min(30_000, 500 * 2 ** n));
    }
  });

  it("starts over after reset", () => {
    const backoff = createBackoff({ baseMs: 100, capMs: 10_000, random: () => 0.5 });
    backoff.next();
    backoff.next();
    expect(backoff.next()).toBe(200);
    backoff.reset();
    expect(backoff.attempt).toBe(0);
    expect(backoff.next()).toBe(50);
  });

  it("never overflows on a very long outage", () => {
    const backoff = createBackoff({ baseMs: 500, capMs: 30_000, random: () => 0.5 });
    for (let n = 0; n < 5_000; n++) backoff.next();
    expect(backoff.next()).toBe(15_000);
  });
});
