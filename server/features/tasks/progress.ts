import type { Db } from "@/server/db";
import type { Prisma, TaskStatus } from "@/server/generated/prisma/client";
import { publishTaskEvent } from "@/server/runners/bus";

/**
 * What the pipeline writes as it goes: status, step timings and log lines. Each write tells live
 * views (SSE, other app instances) to re-read the task. All writes are safe to repeat, since a
 * step can run twice.
 */

export type TaskRef = { id: string; workspaceId: string; projectId: string };

export const changed = (task: TaskRef) => publishTaskEvent({ type: "task", taskId: task.id, workspaceId: task.workspaceId });

/** Moves a live task to `status`; a finished task is never moved back. Returns false if finished. */
export async function setTaskStatus(
  db: Db,
  task: TaskRef,
  status: TaskStatus,
  extra: Omit<Prisma.TaskUpdateManyMutationInput, "status"> & { statusReason?: string | null } = {},
): Promise<boolean> {
  const now = new Date();
  const { count } = await db.task.updateMany({
    where: { id: task.id, status: { notIn: ["succeeded", "failed", "cancelled"] } },
    data: { status, statusReason: null, ...extra },
  });
  if (count > 0 && status !== "queued") {
    await db.task.updateMany({ where: { id: task.id, startedAt: null }, data: { startedAt: now } });
  }
  await changed(task);
  return count > 0;
}

export async function appendLog(
  db: Db,
  task: TaskRef,
  message: string,
  opts: { level?: "debug" | "info" | "warn" | "error"; step?: string; data?: Prisma.InputJsonValue } = {},
): Promise<void> {
  await db.taskLog.create({
    data: {
      workspaceId: task.workspaceId,
      projectId: task.projectId,
      taskId: task.id,
      level: opts.level ?? "info",
      step: opts.step ?? null,
      message: message.slice(0, 10_000),
      data: opts.data,
    },
  });
  await changed(task);
}

/** Marks a pipeline step as started (a retry counts another attempt). */
export async function startStep(db: Db, task: TaskRef, name: string, detail?: string): Promise<void> {
  await db.taskStep.upsert({
    where: { taskId_name: { taskId: task.id, name } },
    create: { workspaceId: task.workspaceId, projectId: task.projectId, taskId: task.id, name, status: "running", detail: detail ?? null },
    update: { status: "running", attempts: { increment: 1 }, error: null, finishedAt: null, ...(detail ? { detail } : {}) },
  });
  await changed(task);
}

export async function finishStep(
  db: Db,
  task: TaskRef,
  name: string,
  status: "succeeded" | "failed" | "skipped" | "waiting",
  opts: { detail?: string; error?: string } = {},
): Promise<void> {
  const finishedAt = status === "waiting" ? null : new Date();
  await db.taskStep.upsert({
    where: { taskId_name: { taskId: task.id, name } },
    create: {
      workspaceId: task.workspaceId,
      projectId: task.projectId,
      taskId: task.id,
      name,
      status,
      detail: opts.detail ?? null,
      error: opts.error ?? null,
      finishedAt,
    },
    update: { status, finishedAt, error: opts.error ?? null, ...(opts.detail ? { detail: opts.detail } : {}) },
  });
  await changed(task);
}

/**
 * Closes every step still open (running or waiting) when the task ends: failed, or cancelled (a
 * person cancelled the task or rejected its plan). A closed step keeps its start, so its duration
 * shows how long it ran before it was stopped.
 */
export async function closeOpenSteps(
  db: Db | Prisma.TransactionClient,
  task: TaskRef,
  status: "failed" | "cancelled",
  error?: string,
): Promise<void> {
  await db.taskStep.updateMany({
    where: { taskId: task.id, status: { in: ["running", "waiting"] } },
    data: { status, finishedAt: new Date(), error: error ?? null },
  });
}
