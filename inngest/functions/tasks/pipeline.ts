import { NonRetriableError, type Inngest } from "inngest";
import type { InferenceSpec, JobSpecInput } from "@jace/gpu-runner/protocol";
import { getDb } from "@/server/db";
import { analyzeTask, type Analysis } from "@/server/features/tasks/analyze";
import { deliverTask } from "@/server/features/tasks/deliver";
import {
  buildResult,
  checkExecutionDeadline,
  collectTaskJob,
  dispatchTaskJob,
  executionSpec,
  jobBudgetMs,
  taskJobId,
  type JobOutcome,
  type JobPhase,
} from "@/server/features/tasks/execute";
import { cloudTaskCall } from "@/server/features/tasks/cloud";
import { expireApproval, failTask, finishTask, recordUsage } from "@/server/features/tasks/finish";
import { draftPlan, finalizePlan, recordApproval, requestApproval, savePlan } from "@/server/features/tasks/plan";
import { runnerJobFinished, taskCancelRequested, taskCreated, taskRejected, taskApproved } from "../../events";

export type PipelineOptions = {
  /** Longest any single step may take before it is cut off and retried. */
  stepTimeoutMs: number;
  /** Longest a cloud model call may take (it runs inside one step). */
  cloudStepTimeoutMs: number;
  approvalTimeoutHours: number;
  /** Steps of one workspace's tasks running at once, and of all tasks at once. */
  perWorkspaceConcurrency: number;
  globalConcurrency: number;
  retries: number;
  /** Longest answer a model may write for `ask` and `custom` tasks, and longest plan. */
  maxAnswerTokens: number;
  maxPlanTokens: number;
  /** The clock of the task's time limit (tests move it). */
  now: () => number;
};

export const defaultPipelineOptions: PipelineOptions = {
  stepTimeoutMs: 60_000,
  cloudStepTimeoutMs: 180_000,
  approvalTimeoutHours: 72,
  perWorkspaceConcurrency: 8,
  globalConcurrency: 64,
  retries: 3,
  maxAnswerTokens: 1024,
  maxPlanTokens: 512,
  now: () => Date.now(),
};

/**
 * How long the embedded executor waits for one call to the app: longer than the longest step, so a
 * step is cut off (and its work aborted) by its own timeout first. A shorter request timeout
 * would retry a cloud call while the first one still runs, and pay for it twice.
 */
export function executorRequestTimeoutMs(opts: Partial<PipelineOptions> = {}): number {
  const o = { ...defaultPipelineOptions, ...opts };
  return Math.max(o.stepTimeoutMs, o.cloudStepTimeoutMs) + 30_000;
}

export class StepTimeoutError extends Error {
  constructor(step: string, ms: number) {
    super(`Step "${step}" did not finish within ${ms} ms and was cut off.`);
    this.name = "StepTimeoutError";
  }
}

/** How long cut-off work gets to stop after its signal is aborted, before the step fails anyway. */
const ABORT_GRACE_MS = 2_000;

/**
 * Cuts off a hung step: its work's signal is aborted, so a delivery or model call stops instead of
 * running on beside the step's retry, and the step fails (and is retried) once the work has
 * stopped, or after a short grace when the work ignores the signal.
 */
export async function withTimeout<T>(step: string, ms: number, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const running = work(controller.signal);
  let timer: NodeJS.Timeout | undefined;
  const cutOff = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new StepTimeoutError(step, ms);
      controller.abort(error);
      const grace = new Promise((r) => setTimeout(r, ABORT_GRACE_MS).unref());
      void Promise.race([running.catch(() => undefined), grace]).then(() => reject(error));
    }, ms);
  });
  try {
    return await Promise.race([running, cutOff]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The task pipeline: analyze -> plan -> approval (when needed) -> execute on a runner -> usage ->
 * deliver -> finish. Each step is one call into server/features/tasks/.
 */
export function taskPipeline(inngest: Inngest, opts: PipelineOptions = defaultPipelineOptions) {
  return inngest.createFunction(
    {
      id: "task-pipeline",
      name: "Task pipeline",
      triggers: [taskCreated],
      // One run per task, however often task/created is sent.
      idempotency: "event.data.taskId",
      retries: opts.retries as 3, // the SDK types retries as the literals 0..20
      concurrency: [{ limit: opts.globalConcurrency }, { key: "event.data.workspaceId", limit: opts.perWorkspaceConcurrency }],
      cancelOn: [
        { event: taskCancelRequested, match: "data.taskId" },
        { event: taskRejected, match: "data.taskId" },
      ],
      onFailure: async ({ event, error }) => {
        await failTask(getDb(), event.data.event.data.taskId, error.message);
      },
    },
    async ({ event, step }) => {
      const { taskId } = event.data;
      const db = getDb();
      const run = <T>(name: string, work: (signal: AbortSignal) => Promise<T>) =>
        step.run(name, () => withTimeout(name, opts.stepTimeoutMs, work));

      /** Dispatches a runner job and waits for it; the wait starts before the dispatch. */
      const runnerJob = async (phase: JobPhase, analysis: Analysis, spec: JobSpecInput, allowFailure = false): Promise<JobOutcome> => {
        const jobId = taskJobId(taskId, phase);
        const { queueTimeoutMs, timeoutMs } = jobBudgetMs(analysis, opts.now());
        await Promise.all([
          step.waitForEvent(`${phase}-wait`, {
            event: runnerJobFinished,
            if: `async.data.jobId == ${JSON.stringify(jobId)}`,
            timeout: queueTimeoutMs + timeoutMs + 60_000,
          }),
          run(`${phase}-dispatch`, () => dispatchTaskJob(db, taskId, phase, spec, analysis)),
        ]);
        return run(`${phase}-collect`, () => collectTaskJob(db, taskId, phase, { requestedModel: analysis.requestedModel, allowFailure }));
      };

      /**
       * A model call of the task: on a runner when one can serve it (a durable job), else, or when
       * that job fails, on the cloud through the model router when the project's policy allows.
       */
      const infer = async (phase: JobPhase, analysis: Analysis, spec: JobSpecInput): Promise<JobOutcome> => {
        let localFailure: string | null = null;
        if (analysis.model) {
          const outcome = await runnerJob(phase, analysis, spec, analysis.cloudAllowed);
          if (!outcome.failed) return outcome;
          localFailure = outcome.failed;
        }
        if (spec.kind !== "inference") throw new NonRetriableError("Only model calls can go to the cloud.");
        return step.run(`${phase}-cloud`, () =>
          withTimeout(`${phase}-cloud`, opts.cloudStepTimeoutMs, (signal) =>
            cloudTaskCall(db, taskId, phase, analysis, spec as InferenceSpec, localFailure, signal),
          ),
        );
      };

      const analysis = await run("analyze", () => analyzeTask(db, taskId));
      if (!analysis) return { status: "cancelled" }; // finished before its run began: nothing to do

      const outcomes: JobOutcome[] = [];
      const draft = await run("plan", () => draftPlan(db, taskId, analysis, opts.maxPlanTokens));
      let plan;
      if ("plan" in draft) {
        plan = await run("plan-save", () => savePlan(db, taskId, draft.plan));
      } else {
        const drafted = await infer("plan", analysis, draft.job);
        outcomes.push(drafted);
        const text = drafted.output?.kind === "inference" ? drafted.output.text : null;
        plan = await run("plan-finalize", () => finalizePlan(db, taskId, analysis, text));
      }

      let approvalMs = 0;
      if (plan.requiresApproval) {
        const [decision, askedAt] = await Promise.all([
          step.waitForEvent("approval-wait", {
            event: taskApproved,
            match: "data.taskId",
            timeout: `${opts.approvalTimeoutHours}h`,
          }),
          run("approval-request", () => requestApproval(db, taskId, opts.approvalTimeoutHours, opts.now())),
        ]);
        if (!decision) {
          await run("approval-expired", () => expireApproval(db, taskId, opts.approvalTimeoutHours));
          return { status: "failed", reason: "approval expired" };
        }
        const decidedAt = await run("approval-record", () => recordApproval(db, taskId, decision.data.by, opts.now()));
        // Runs that asked before these steps returned times have nothing to subtract.
        if (typeof askedAt === "number" && typeof decidedAt === "number") approvalMs = Math.max(0, decidedAt - askedAt);
      }

      // Once, as a step: a later re-entry (after the runner job, at delivery) never re-checks it.
      const deadline = await run("deadline", async () => checkExecutionDeadline(analysis, approvalMs, opts.now()));
      const timed = { ...analysis, deadline };
      const spec = executionSpec(timed, plan, opts.maxAnswerTokens);
      const outcome = spec.kind === "inference" ? await infer("execute", timed, spec) : await runnerJob("execute", timed, spec);
      outcomes.push(outcome);
      const result = await run("execute-result", () => buildResult(db, taskId, outcome));
      await run("usage", () => recordUsage(db, taskId, outcomes));
      await run("deliver", (signal) => deliverTask(db, taskId, result, signal));
      await run("finish", () => finishTask(db, taskId, result.failure));
      return result.failure ? { status: "failed", reason: result.failure } : { status: "succeeded" };
    },
  );
}
