import { NonRetriableError } from "inngest";
import type { JobOutput, JobSpecInput, SandboxOutput, Usage } from "@jace/gpu-runner/protocol";
import type { Db } from "@/server/db";
import type { RunnerJob } from "@/server/generated/prisma/client";
import { recordRunnerCall } from "@/server/llm/router";
import { cancelJob, dispatchJob, terminalStatuses } from "@/server/runners/jobs";
import type { Analysis } from "./analyze";
import { INSTALL_COMMAND, SYSTEM_PROMPT, TEST_COMMAND } from "./plan";
import { appendLog, finishStep, setTaskStatus, startStep } from "./progress";
import type { TaskPlan, TaskResult } from "./schemas";
import { syncTaskJobStatus, WAITING_FOR_RUNNER } from "./job-status";
import { jobFailure, sandboxFailure } from "./verdict";

/**
 * Runner work of a task. Job ids are derived from the task (`<taskId>-execute`), so the pipeline
 * can start waiting for `runner/job.finished` before it dispatches, and a repeated dispatch step
 * finds the job it already created.
 */

export type JobPhase = "plan" | "execute";
export const taskJobId = (taskId: string, phase: JobPhase) => `${taskId}-${phase}`;
const TASK_JOB_ID = /^(.+)-(plan|execute)$/;
export const taskIdOfJob = (jobId: string) => TASK_JOB_ID.exec(jobId)?.[1] ?? null;

/** How long a job may wait for a runner and run, within what is left of the task's deadline. */
export function jobBudgetMs(analysis: Analysis, now = Date.now()): { queueTimeoutMs: number; timeoutMs: number } {
  const left = Math.max(5_000, analysis.deadline - now);
  return { queueTimeoutMs: Math.min(left, 15 * 60_000), timeoutMs: left };
}

/**
 * The task's time limit counts from intake, but not the time it waited for a person to approve
 * its plan. Checked once, before execute; returns the deadline the execute phase works within.
 */
export function checkExecutionDeadline(analysis: Analysis, approvalMs: number, now: number): number {
  const deadline = analysis.deadline + approvalMs;
  if (now <= deadline) return deadline;
  throw new NonRetriableError(
    `The task did not start running within its ${analysis.timeoutMinutes} minute limit (time waiting for approval not counted). Replay it, or raise the project's task timeout.`,
  );
}

export function executionSpec(analysis: Analysis, plan: TaskPlan, maxTokens = 1024): JobSpecInput {
  const { input } = analysis;
  if (input.kind === "test") {
    return {
      kind: "sandbox",
      repository: { url: input.repository, ...(analysis.repository?.ref ? { ref: analysis.repository.ref } : {}) },
      steps: [
        { name: "install", run: INSTALL_COMMAND, network: true },
        { name: "test", run: TEST_COMMAND },
      ],
    };
  }
  const question =
    input.kind === "ask"
      ? input.question
      : `${input.instructions}\n\nFollow this approved plan:\n${plan.steps.map((s, i) => `${i + 1}. ${s.title}`).join("\n")}`;
  return {
    kind: "inference",
    model: analysis.model ?? analysis.requestedModel,
    maxTokens,
    temperature: 0.7,
    messages: [
      { role: "system", content: SYSTEM_PROMPT },
      { role: "user", content: question },
    ],
  };
}

export async function dispatchTaskJob(db: Db, taskId: string, phase: JobPhase, spec: JobSpecInput, analysis: Analysis): Promise<string> {
  const task = await db.task.findUniqueOrThrow({ where: { id: taskId } });
  if (phase === "execute") {
    await setTaskStatus(db, task, "running", { statusReason: WAITING_FOR_RUNNER });
    await startStep(db, task, "execute", spec.kind === "sandbox" ? "sandbox" : `inference (${spec.model})`);
  }
  const budget = jobBudgetMs(analysis);
  const { jobId } = await dispatchJob(db, task.workspaceId, spec, { jobId: taskJobId(taskId, phase), maxAttempts: 2, ...budget });
  await appendLog(db, task, `Runner job ${jobId} queued (${spec.kind})`, { step: phase });
  // A repeated dispatch step finds its job maybe already running: say so, not "waiting".
  await syncTaskJobStatus(db, jobId);
  return jobId;
}

export type JobOutcome = {
  jobId: string;
  runnerId: string | null;
  output: JobOutput | null;
  usage: Usage | null;
  /** Set when an inference job failed and the caller may fail over to the cloud. */
  failed?: string;
};

/**
 * Reads the job's final state, whether or not `runner/job.finished` arrived. A job still going
 * past the task's deadline is cancelled and the task fails.
 */
export async function collectTaskJob(
  db: Db,
  taskId: string,
  phase: JobPhase,
  opts: { requestedModel?: string; allowFailure?: boolean } = {},
): Promise<JobOutcome> {
  const task = await db.task.findUniqueOrThrow({ where: { id: taskId } });
  const jobId = taskJobId(taskId, phase);
  const job: RunnerJob = await db.runnerJob.findFirstOrThrow({ where: { id: jobId, workspaceId: task.workspaceId } });
  if (!terminalStatuses.has(job.status)) {
    await cancelJob(db, task.workspaceId, jobId, "the task ran out of time");
    throw new NonRetriableError(`The runner job did not finish in time (${job.queuedReason ?? job.status}).`);
  }
  if (job.status !== "succeeded") {
    const why = jobFailure(job);
    if (opts.allowFailure && job.kind === "inference") {
      await appendLog(db, task, `${why}; trying the cloud`, { step: phase, level: "warn" });
      return { jobId, runnerId: job.runnerId, output: null, usage: null, failed: why };
    }
    if (phase === "execute") await finishStep(db, task, "execute", "failed", { error: why });
    throw new NonRetriableError(why);
  }
  if (job.kind === "inference") {
    const usage = job.usage as Usage | null;
    const spec = job.spec as { model?: string };
    await recordRunnerCall(
      db,
      {
        callId: jobId,
        workspaceId: task.workspaceId,
        projectId: task.projectId,
        taskId,
        model: opts.requestedModel ?? spec.model ?? "local",
      },
      {
        model: spec.model ?? "local",
        runnerId: job.runnerId,
        usage,
        latencyMs: job.startedAt && job.finishedAt ? job.finishedAt.getTime() - job.startedAt.getTime() : 0,
      },
    );
  }
  await appendLog(db, task, `Runner job ${jobId} finished on ${job.runnerId ?? "a runner"}`, { step: phase });
  return { jobId, runnerId: job.runnerId, output: job.output as JobOutput | null, usage: job.usage as Usage | null };
}

/** Turns the execution job's output into the task's result. */
export async function buildResult(db: Db, taskId: string, outcome: JobOutcome): Promise<TaskResult> {
  const task = await db.task.findUniqueOrThrow({ where: { id: taskId } });
  const out = outcome.output;
  let result: TaskResult;
  if (out?.kind === "inference") {
    result = { text: out.text.trim() || "(the model returned no text)", runnerId: outcome.runnerId, jobId: outcome.jobId };
  } else if (out?.kind === "sandbox") {
    result = { ...sandboxResult(out, outcome), failure: sandboxFailure(out, await stderrTail(db, taskId)) };
  } else {
    throw new NonRetriableError("The runner job returned no output.");
  }
  await db.task.update({ where: { id: taskId }, data: { result } });
  // Tests that ran and failed fail the step (and, once delivered, the task), as in CI.
  await finishStep(db, task, "execute", result.failure ? "failed" : "succeeded", {
    detail: out.kind === "sandbox" && result.tests ? `${result.tests.passed}/${result.tests.total} passed` : undefined,
    error: result.failure ?? undefined,
  });
  return result;
}

/** The last line the execute job printed on stderr (the relay wrote it to the task's log). */
async function stderrTail(db: Db, taskId: string): Promise<string | null> {
  const row = await db.taskLog.findFirst({
    where: { taskId, step: "execute", data: { path: ["stream"], equals: "stderr" } },
    orderBy: { id: "desc" },
    select: { message: true },
  });
  const lines =
    row?.message
      .split("\n")
      .map((l) => l.trim())
      .filter(Boolean) ?? [];
  return lines.at(-1) ?? null;
}

function sandboxResult(out: SandboxOutput, outcome: JobOutcome): TaskResult {
  const failedStep = out.steps.find((s) => s.exitCode !== 0 || s.timedOut);
  const s = out.summary;
  const tests = s ? { passed: s.passed, failed: s.failed, skipped: s.skipped, total: s.total, failures: s.failures } : null;
  const lines: string[] = [];
  if (tests) {
    lines.push(
      tests.failed > 0
        ? `**${tests.failed} of ${tests.total} tests failed** (${tests.passed} passed, ${tests.skipped} skipped).`
        : `**All ${tests.total} tests passed**${tests.skipped ? ` (${tests.skipped} skipped)` : ""}.`,
    );
    for (const f of tests.failures.slice(0, 10)) lines.push(`- ${f.name}${f.message ? `: ${f.message}` : ""}`);
  } else if (failedStep) {
    lines.push(
      `The **${failedStep.name}** step ${failedStep.timedOut ? "timed out" : `exited with code ${failedStep.exitCode ?? failedStep.signal}`}.`,
    );
  } else {
    lines.push("The tests ran and exited cleanly, but printed no summary Jace could read.");
  }
  lines.push(
    "",
    ...out.steps.map(
      (st) => `- ${st.name}: ${st.timedOut ? "timed out" : `exit ${st.exitCode ?? st.signal}`} in ${(st.durationMs / 1000).toFixed(1)} s`,
    ),
  );
  return { text: lines.join("\n"), tests, runnerId: outcome.runnerId, jobId: outcome.jobId };
}

/** Stops the task's runner jobs (cancel, failure). */
export async function cancelTaskJobs(db: Db, workspaceId: string, taskId: string, reason: string): Promise<void> {
  for (const phase of ["plan", "execute"] as const) {
    await cancelJob(db, workspaceId, taskJobId(taskId, phase), reason).catch(() => undefined);
  }
}
