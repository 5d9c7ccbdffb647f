import { describe, expect, it } from "vitest";
import { CircuitBreaker } from "./breaker";

describe("CircuitBreaker", () => {
  it("opens after repeated failures, half-opens after the cooldown, and closes on a successful trial", () => {
    let now = 0;
    const b = new CircuitBreaker({ threshold: 3, cooldownMs: 1000, now: () => now });
    b.failure("openai");
    b.failure("openai");
    expect(b.state("openai")).toBe("closed");
    b.failure("openai");
    expect(b.state("openai")).toBe("open");
    expect(b.allow("openai")).toBe(false);
    now = 1000;
    expect(b.state("openai")).toBe("half-open");
    expect(b.allow("openai")).toBe(true);
    expect(b.allow("openai")).toBe(false); // one trial at a time
    b.success("openai");
    expect(b.state("openai")).toBe("closed");
  });

  it("a failed trial opens it again, and Retry-After keeps it open at least that long", () => {
    let now = 0;
    const b = new CircuitBreaker({ threshold: 5, cooldownMs: 1000, now: () => now });
    b.failure("openai", 20_000);
    expect(b.state("openai")).toBe("open");
    now = 19_999;
    expect(b.allow("openai")).toBe(false);
    now = 20_000;
    expect(b.allow("openai")).toBe(true);
    b.failure("openai");
    expect(b.state("openai")).toBe("open");
    expect(b.retryInMs("openai")).toBe(1000);
    expect(b.state("runner:ws1")).toBe("closed");
  });

  it("a released trial lets the next call try; it neither closes nor reopens the circuit", () => {
    let now = 0;
    const b = new CircuitBreaker({ threshold: 1, cooldownMs: 1000, now: () => now });
    b.failure("runner:ws1");
    now = 1000;
    expect(b.allow("runner:ws1")).toBe(true);
    expect(b.allow("runner:ws1")).toBe(false);
    b.release("runner:ws1");
    expect(b.state("runner:ws1")).toBe("half-open");
    expect(b.allow("runner:ws1")).toBe(true);
    b.release("runner:never-failed"); // harmless on a closed circuit
    expect(b.state("runner:never-failed")).toBe("closed");
  });
});
