import { getEmbeddedExecutor, getInngest, inngestSettings } from "@/inngest/client";
import type { RunDetail } from "@/inngest/executor";
import type { Db } from "@/server/db";
import { getEnv } from "@/server/env";
import { AppError } from "@/server/errors";

/** The pipeline's function id as Inngest knows it: `<app id>-<function id>`. */
const PIPELINE_FUNCTION = "task-pipeline";

/** Step states that mean the step has not finished. */
const UNFINISHED = new Set(["planned", "retrying", "waiting", "sleeping", "invoking"]);

export type PipelineRunView = {
  mode: "cloud" | "self-hosted" | "dev" | "embedded";
  run: {
    id: string;
    status: string;
    error: string | null;
    startedAt: Date;
    endedAt: Date | null;
    /** The step the run is on (null once it ended, or before its first step). */
    current: {
      name: string;
      status: string;
      /** Attempts made so far. */
      attempts: number;
      /** When a failed step is tried again. */
      nextRetryAt: Date | null;
      /** A waitForEvent: the event and when the wait times out. */
      waitingFor: { event: string; until: Date | null } | null;
      /** A sleep: when it wakes. */
      wakesAt: Date | null;
    } | null;
    steps: { name: string; op: string; status: string; attempt: number; startedAt: Date; endedAt: Date | null }[];
  } | null;
};

/**
 * The task's pipeline run as the embedded executor sees it (Inngest Cloud and self-hosted keep
 * theirs in their own dashboard). The newest run of the pipeline function for the task: replays
 * are new tasks, so there is one per task unless its first run was lost.
 */
export async function getPipelineRun(db: Db, workspaceId: string, taskId: string): Promise<PipelineRunView> {
  const task = await db.task.findFirst({ where: { id: taskId, workspaceId }, select: { id: true } });
  if (!task) throw new AppError("NOT_FOUND", "Task not found in this workspace.");
  const mode = inngestSettings(getEnv()).mode;
  const executor = getEmbeddedExecutor();
  if (!executor) return { mode, run: null };
  const functionId = `${getInngest().id}-${PIPELINE_FUNCTION}`;
  const [found] = await executor.listRuns({ functionId, eventData: { taskId }, limit: 1 });
  const run = found && (await executor.getRun(found.id));
  if (!run) return { mode, run: null };
  return {
    mode,
    run: {
      id: run.id,
      status: run.status,
      error: run.error?.message ?? null,
      startedAt: new Date(run.createdAt),
      endedAt: run.endedAt === null ? null : new Date(run.endedAt),
      current: currentStep(run),
      steps: run.steps.map((s) => ({
        name: s.name ?? s.id,
        op: s.op,
        status: s.status,
        attempt: s.attempt,
        startedAt: new Date(s.startedAt),
        endedAt: s.endedAt === null ? null : new Date(s.endedAt),
      })),
    },
  };
}

function currentStep(run: RunDetail): NonNullable<PipelineRunView["run"]>["current"] {
  if (run.status !== "running") return null;
  const step = run.steps.findLast((s) => UNFINISHED.has(s.status) && s.name !== null);
  if (!step) return null;
  const retry = run.pending.find((j) => j.kind === "call" && j.stepId === step.id && j.attempt > 0);
  const wait = run.waits.find((w) => w.stepId === step.id);
  const sleep = run.pending.find((j) => j.kind === "sleep" && j.stepId === step.id);
  return {
    name: step.name ?? step.id,
    status: step.status,
    attempts: step.status === "retrying" ? step.attempt + 1 : step.attempt,
    nextRetryAt: retry ? new Date(retry.dueAt) : null,
    waitingFor: wait ? { event: wait.event, until: wait.expiresAt === null ? null : new Date(wait.expiresAt) } : null,
    wakesAt: sleep ? new Date(sleep.dueAt) : null,
  };
}
