import { describe, expect, it } from "vitest";
import type { SandboxOutput } from "@jace/gpu-runner/protocol";
import { jobFailure, reasonLine, sandboxFailure } from "./verdict";

const step = (name: string, exitCode: number | null, extra: Partial<SandboxOutput["steps"][number]> = {}) => ({
  name,
  exitCode,
  signal: null,
  durationMs: 1500,
  timedOut: false,
  ...extra,
});
const out = (steps: SandboxOutput["steps"], summary: SandboxOutput["summary"] = null): SandboxOutput => ({
  kind: "sandbox",
  steps,
  summary,
  artifacts: [],
  failed: steps.some((s) => s.exitCode !== 0 || s.timedOut),
});
const summary = (passed: number, failed: number) => ({
  format: "tap" as const,
  passed,
  failed,
  skipped: 0,
  total: passed + failed,
  failures: [],
});

describe("task verdicts", () => {
  it("says how many tests failed, like a CI run", () => {
    expect(sandboxFailure(out([step("install", 0), step("test", 1)], summary(1, 1)))).toBe("Tests failed: 1 of 2");
    expect(sandboxFailure(out([step("install", 0), step("test", 0)], summary(4, 0)))).toBeNull();
    expect(sandboxFailure(out([step("install", 0), step("test", 2)], null), "Jace found no test setup (package.json, ...)")).toBe(
      "Tests failed: the test command exited with code 2: Jace found no test setup (package.json, ...)",
    );
    expect(sandboxFailure(out([step("install", 0), step("test", 1)], summary(3, 0)))).toBe(
      "Tests failed: the test command exited with code 1 (3 of 3 passed)",
    );
    expect(sandboxFailure(out([step("install", 0), step("test", null, { timedOut: true, durationMs: 60_000 })]))).toBe(
      "Tests timed out after 60 s",
    );
  });

  it("says the tests could not run when the install failed", () => {
    expect(sandboxFailure(out([step("install", 1)]), "npm ERR! \u001b[31mmissing: left-pad@1.0.0\u001b[0m")).toBe(
      "Install failed: npm ERR! missing: left-pad@1.0.0",
    );
    expect(sandboxFailure(out([step("install", 1)]))).toBe("Install failed: the install step exited with code 1");
  });

  it("names the repository a clone failed for", () => {
    const spec = { repository: { url: "https://git.test/acme/api.git" } };
    expect(jobFailure({ kind: "sandbox", status: "failed", error: "clone failed: repository not found", spec })).toBe(
      "Could not clone https://git.test/acme/api.git: repository not found",
    );
    expect(jobFailure({ kind: "sandbox", status: "failed", error: "sandbox unavailable", spec })).toBe(
      "The runner job failed: sandbox unavailable",
    );
    expect(jobFailure({ kind: "inference", status: "cancelled", error: null, spec: {} })).toBe(
      "The runner job was cancelled: no reason given",
    );
  });

  it("keeps a status line to its first line", () => {
    expect(reasonLine("Tests failed: 1 of 2\n- adds: expected 3")).toBe("Tests failed: 1 of 2");
    expect(reasonLine("x".repeat(500)).length).toBe(200);
  });
});
