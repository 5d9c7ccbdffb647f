import type { Db } from "@/server/db";
import { logger } from "@/server/logger";
import type { JobOutcome } from "./execute";
import { cancelTaskJobs } from "./execute";
import { changed, closeOpenSteps, finishStep, startStep, type TaskRef } from "./progress";
import { reasonLine } from "./verdict";

/** The last steps: usage, success, and the failure handler's side. */

export async function recordUsage(db: Db, taskId: string, outcomes: JobOutcome[]): Promise<void> {
  const task = await db.task.findUniqueOrThrow({ where: { id: taskId } });
  await startStep(db, task, "usage");
  const usage = { promptTokens: 0, completionTokens: 0, gpuSeconds: 0, cpuSeconds: 0, wallSeconds: 0 };
  for (const o of outcomes) {
    for (const key of Object.keys(usage) as (keyof typeof usage)[]) usage[key] += o.usage?.[key] ?? 0;
  }
  // The task's cost is what its model calls cost (the ledger: cloud prices, local energy and GPU time).
  const cost = await db.modelCall.aggregate({ where: { taskId }, _sum: { costMicros: true } });
  await db.task.update({ where: { id: taskId }, data: { usage, costMicros: cost._sum.costMicros ?? 0 } });
  const tokens = usage.promptTokens + usage.completionTokens;
  await finishStep(db, task, "usage", "succeeded", {
    detail: `${tokens} tokens, ${usage.gpuSeconds.toFixed(1)} GPU s, $${((cost._sum.costMicros ?? 0) / 1e6).toFixed(4)}`,
  });
}

/**
 * The last step. A result with a `failure` (tests that ran and failed) was delivered like any
 * result, and the task ends failed with that reason, as a CI run does.
 */
export async function finishTask(db: Db, taskId: string, failure?: string | null): Promise<void> {
  const task = await db.task.findUniqueOrThrow({ where: { id: taskId } });
  const finishedAt = new Date();
  const seconds = (finishedAt.getTime() - task.createdAt.getTime()) / 1000;
  if (failure) {
    const data = { status: "failed" as const, statusReason: reasonLine(failure), error: failure.slice(0, 4000), finishedAt };
    await endTask(db, task, data, "error", `Task failed in ${seconds.toFixed(1)} s: ${failure}`);
  } else {
    await endTask(db, task, { status: "succeeded", statusReason: null, finishedAt }, "info", `Task succeeded in ${seconds.toFixed(1)} s`);
  }
  await changed(task);
}

export async function failTask(db: Db, taskId: string, reason: string): Promise<void> {
  const task = await db.task.findUnique({ where: { id: taskId } });
  if (!task) return;
  const finishedAt = new Date();
  const data = { status: "failed" as const, statusReason: reasonLine(reason), error: reason.slice(0, 4000), finishedAt };
  const moved = await endTask(db, task, data, "error", `Task failed: ${reason}`, reason);
  if (!moved) return;
  await changed(task);
  await cancelTaskJobs(db, task.workspaceId, taskId, "the task failed");
  logger.info({ taskId, workspaceId: task.workspaceId, reason }, "task failed");
}

/**
 * Moves a live task to its final status with its log line, in one transaction: a process killed
 * in between cannot leave a finished task whose re-run step finds nothing left to do and never
 * writes the line, or (failing, `failedSteps`) a failed task with a step still running. False
 * when the task had already finished.
 */
async function endTask(
  db: Db,
  task: TaskRef,
  data: { status: "succeeded" | "failed"; statusReason: string | null; finishedAt: Date; error?: string },
  level: "info" | "error",
  message: string,
  failedSteps?: string,
): Promise<boolean> {
  return db.$transaction(async (tx) => {
    const { count } = await tx.task.updateMany({
      where: { id: task.id, status: { notIn: ["succeeded", "failed", "cancelled"] } },
      data,
    });
    if (count === 0) return false;
    await tx.task.updateMany({ where: { id: task.id, startedAt: null }, data: { startedAt: data.finishedAt } });
    if (failedSteps !== undefined) await closeOpenSteps(tx, task, "failed", failedSteps);
    await tx.taskLog.create({
      data: { workspaceId: task.workspaceId, projectId: task.projectId, taskId: task.id, level, message: message.slice(0, 10_000) },
    });
    return true;
  });
}

export async function expireApproval(db: Db, taskId: string, hours: number): Promise<void> {
  const task = await db.task.findUniqueOrThrow({ where: { id: taskId } });
  await finishStep(db, task, "approval", "failed", { error: `No decision within ${hours} h` });
  await failTask(db, taskId, `No one approved the plan within ${hours} hours. Replay the task to ask again.`);
}
