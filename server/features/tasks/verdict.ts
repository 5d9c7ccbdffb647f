import type { SandboxOutput } from "@jace/gpu-runner/protocol";
import { cleanText, truncate } from "@/server/integrations/text/outbound";

/**
 * What a person reads at a glance about a task that did not do what was asked, like a CI run's
 * status line: "Tests failed: 1 of 2", "Install failed: npm ERR! ...", "Could not clone <repo>: ...".
 * Pure functions of the runner's output, so the wording is unit-tested.
 */

const MAX_REASON = 300;

type Step = SandboxOutput["steps"][number];

const exited = (s: Step) => (s.exitCode !== null ? `exited with code ${s.exitCode}` : `was killed (${s.signal ?? "signal"})`);
const seconds = (ms: number) => `${Math.round(ms / 1000)} s`;

/**
 * Null when the sandbox run passed. `stderrTail` is the last line the failing step printed on
 * stderr, when known: it says more about an install failure than an exit code.
 */
export function sandboxFailure(out: SandboxOutput, stderrTail?: string | null): string | null {
  const failedStep = out.steps.find((s) => s.exitCode !== 0 || s.timedOut);
  const s = out.summary;
  if (s && s.failed > 0) return `Tests failed: ${s.failed} of ${s.total}`;
  if (!failedStep) return null;
  const tail = stderrTail ? truncate(cleanText(stderrTail).trim(), 200) : "";
  if (failedStep.name === "install") {
    if (failedStep.timedOut) return `Install timed out after ${seconds(failedStep.durationMs)}`;
    return `Install failed: ${tail || `the install step ${exited(failedStep)}`}`;
  }
  if (failedStep.name === "test") {
    if (failedStep.timedOut) return `Tests timed out after ${seconds(failedStep.durationMs)}`;
    const counted = s && s.total > 0 ? ` (${s.passed} of ${s.total} passed)` : "";
    return truncate(`Tests failed: the test command ${exited(failedStep)}${counted}${tail && !counted ? `: ${tail}` : ""}`, MAX_REASON);
  }
  return truncate(
    `Step ${failedStep.name} ${failedStep.timedOut ? "timed out" : exited(failedStep)}${tail ? `: ${tail}` : ""}`,
    MAX_REASON,
  );
}

/** Why a runner job that could not run the task's commands failed, in the task's words. */
export function jobFailure(job: { kind: string; status: string; error: string | null; spec: unknown }): string {
  const error = cleanText(job.error ?? "").trim();
  if (job.status === "cancelled") return `The runner job was cancelled: ${error || "no reason given"}`;
  const clone = /^clone failed: ([\s\S]*)$/.exec(error);
  if (job.kind === "sandbox" && clone) {
    const url = (job.spec as { repository?: { url?: string } } | null)?.repository?.url ?? "the repository";
    return truncate(`Could not clone ${url}: ${clone[1]!.trim() || "git failed"}`, MAX_REASON * 2);
  }
  return `The runner job failed: ${error || "unknown error"}`;
}

/** The status line of a failure reason: its first line, short enough for a list or a chat. */
export function reasonLine(reason: string): string {
  return truncate(reason.trim().split("\n", 1)[0]!.trim(), 200) || "Failed";
}
