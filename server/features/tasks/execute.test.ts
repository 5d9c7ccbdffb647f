import { NonRetriableError } from "inngest";
import { describe, expect, it } from "vitest";
import type { Analysis } from "./analyze";
import { checkExecutionDeadline } from "./execute";

const analysis = { deadline: 1_000_000, timeoutMinutes: 60 } as Analysis;

describe("checkExecutionDeadline", () => {
  it("extends the deadline by the time the task waited for approval", () => {
    expect(checkExecutionDeadline(analysis, 0, 999_999)).toBe(1_000_000);
    expect(checkExecutionDeadline(analysis, 5_000_000, 5_999_999)).toBe(6_000_000);
  });

  it("fails the task, without retries, with what to do when the limit passed before it could run", () => {
    const attempt = () => checkExecutionDeadline(analysis, 1_000, 1_001_001);
    expect(attempt).toThrow(NonRetriableError);
    expect(attempt).toThrow(/did not start running within its 60 minute limit \(time waiting for approval not counted\)\. Replay it/);
  });
});
