import { describe, expect, it } from "vitest";
import { defaultPipelineOptions, executorRequestTimeoutMs, StepTimeoutError, withTimeout } from "./pipeline";

describe("withTimeout", () => {
  it("aborts the work's signal at the timeout and fails once the work has stopped", async () => {
    let sawAbort = false;
    const work = (signal: AbortSignal) =>
      new Promise<string>((_, reject) =>
        signal.addEventListener("abort", () => {
          sawAbort = true;
          reject(signal.reason as Error);
        }),
      );
    await expect(withTimeout("deliver", 20, work)).rejects.toBeInstanceOf(StepTimeoutError);
    expect(sawAbort).toBe(true);
  });

  it("passes the result of work that finishes in time, without aborting it", async () => {
    let signal: AbortSignal | undefined;
    await expect(
      withTimeout("plan", 1000, async (s) => {
        signal = s;
        return "ok";
      }),
    ).resolves.toBe("ok");
    expect(signal?.aborted).toBe(false);
  });
});

describe("executorRequestTimeoutMs", () => {
  it("outlasts the longest step, the cloud call included, so the executor never retries a call still running", () => {
    expect(executorRequestTimeoutMs()).toBeGreaterThan(defaultPipelineOptions.cloudStepTimeoutMs);
    expect(executorRequestTimeoutMs({ stepTimeoutMs: 600_000 })).toBeGreaterThan(600_000);
  });
});
