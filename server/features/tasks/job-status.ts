import type { Db } from "@/server/db";
import type { TaskStatus } from "@/server/generated/prisma/client";
import { changed } from "./progress";
import type { TaskKind } from "./schemas";

/**
 * The task's status line follows its runner job: "Waiting for a runner" while the job is queued
 * or offered, "Running tests on alice-pc" once a runner accepted it, and back to waiting when the
 * job is requeued (its runner was lost or declined). Read from the job's row each time, so events
 * that arrive late or twice leave the line as the job is now.
 */

export const WAITING_FOR_RUNNER = "Waiting for a runner";

const JOB_ID = /^(.+)-(plan|execute)$/;

/** What the task's job does, as a person would say it. */
export function jobActivity(kind: string, phase: "plan" | "execute"): string {
  if (phase === "plan") return "Drafting the plan";
  const byKind: Record<TaskKind, string> = { test: "Running tests", ask: "Generating the answer", custom: "Carrying out the plan" };
  return byKind[kind as TaskKind] ?? "Running";
}

/** The task status each phase's job runs in: the line is only written while the task is there. */
const phaseStatus: Record<"plan" | "execute", TaskStatus> = { plan: "planning", execute: "running" };

/** Brings the status line of the task owning `jobId` to its job's state. No-op for other jobs. */
export async function syncTaskJobStatus(db: Db, jobId: string): Promise<void> {
  const match = JOB_ID.exec(jobId);
  if (!match) return;
  const [, taskId, phase] = match as unknown as [string, string, "plan" | "execute"];
  const job = await db.runnerJob.findUnique({
    where: { id: jobId },
    select: { status: true, workspaceId: true, runner: { select: { name: true } } },
  });
  if (!job) return;
  const task = await db.task.findFirst({ where: { id: taskId, workspaceId: job.workspaceId } });
  if (!task) return;
  let reason: string;
  if (job.status === "running" && job.runner) reason = `${jobActivity(task.kind, phase)} on ${job.runner.name}`;
  else if (job.status === "queued" || job.status === "offered") reason = WAITING_FOR_RUNNER;
  else return; // finished: the pipeline's next step writes what comes next
  const { count } = await db.task.updateMany({
    where: { id: task.id, status: phaseStatus[phase], OR: [{ statusReason: null }, { statusReason: { not: reason } }] },
    data: { statusReason: reason },
  });
  if (count > 0) await changed(task);
}
