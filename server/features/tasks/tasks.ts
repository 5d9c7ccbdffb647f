import type { Db } from "@/server/db";
import { AppError } from "@/server/errors";
import type { Prisma, Task } from "@/server/generated/prisma/client";
import {
  taskInput,
  taskPlan,
  taskResult,
  taskStatuses,
  taskUsage,
  type ListTasksInput,
  type TaskDetailOutput,
  type TaskKind,
  type TaskLogOutput,
  type TaskOutput,
  type TaskStatus,
} from "./schemas";

/** Reading tasks. Every query is scoped by workspaceId: another workspace's id is not found. */

type TaskWithProject = Task & { project: { name: string } };

export function toTaskOutput(t: TaskWithProject): TaskOutput {
  const input = taskInput.safeParse(t.input);
  const plan = taskPlan.safeParse(t.plan);
  const result = taskResult.safeParse(t.result);
  const usage = taskUsage.safeParse(t.usage);
  return {
    id: t.id,
    number: t.number,
    projectId: t.projectId,
    projectName: t.project.name,
    kind: t.kind as TaskKind,
    title: t.title,
    input: input.success ? input.data : { kind: "custom", instructions: "(unreadable input)" },
    source: t.source,
    status: t.status,
    statusReason: t.statusReason,
    requiresApproval: t.requiresApproval,
    plan: plan.success ? plan.data : null,
    result: result.success ? result.data : null,
    error: t.error,
    costMicros: t.costMicros,
    usage: usage.success ? usage.data : null,
    createdByLabel: t.createdByLabel,
    decidedByLabel: t.decidedByLabel,
    decidedAt: t.decidedAt,
    replayOfId: t.replayOfId,
    createdAt: t.createdAt,
    updatedAt: t.updatedAt,
    startedAt: t.startedAt,
    finishedAt: t.finishedAt,
  };
}

const withProject = { project: { select: { name: true } } } as const;

export async function listTasks(
  db: Db,
  workspaceId: string,
  input: ListTasksInput,
): Promise<{ items: TaskOutput[]; nextCursor: string | null }> {
  const where: Prisma.TaskWhereInput = {
    workspaceId,
    ...(input.status ? { status: input.status } : {}),
    ...(input.projectId ? { projectId: input.projectId } : {}),
    ...(input.source ? { source: input.source } : {}),
    ...(input.kind ? { kind: input.kind } : {}),
  };
  const rows = await db.task.findMany({
    where,
    include: withProject,
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: input.limit + 1,
    ...(input.cursor ? { cursor: { id: input.cursor }, skip: 1 } : {}),
  });
  // A cursor from another workspace would page through nothing: it must belong to this one.
  if (input.cursor && !(await db.task.findFirst({ where: { id: input.cursor, workspaceId }, select: { id: true } }))) {
    throw new AppError("NOT_FOUND", "Task not found in this workspace.");
  }
  const items = rows.slice(0, input.limit).map(toTaskOutput);
  return { items, nextCursor: rows.length > input.limit ? items[items.length - 1]!.id : null };
}

/** Counts per status for the list's filter chips. */
export async function countTasks(db: Db, workspaceId: string): Promise<Record<TaskStatus, number>> {
  const groups = await db.task.groupBy({ by: ["status"], where: { workspaceId }, _count: { _all: true } });
  const counts = Object.fromEntries(taskStatuses.map((s) => [s, 0])) as Record<TaskStatus, number>;
  for (const g of groups) counts[g.status] = g._count._all;
  return counts;
}

/** A task by id or by its number (`42` or `#42`), as people type it in chat. */
export async function findTask(db: Db, workspaceId: string, ref: string): Promise<Task> {
  const number = /^#?(\d{1,9})$/.exec(ref.trim())?.[1];
  const task = await db.task.findFirst({ where: number ? { workspaceId, number: Number(number) } : { workspaceId, id: ref } });
  if (!task) throw new AppError("NOT_FOUND", `Task ${number ? `#${number}` : ref} not found in this workspace.`);
  return task;
}

export async function getTask(db: Db, workspaceId: string, taskId: string): Promise<TaskDetailOutput> {
  const task = await db.task.findFirst({
    where: { id: taskId, workspaceId },
    include: {
      ...withProject,
      steps: { orderBy: { startedAt: "asc" } },
      artifacts: { select: { id: true, name: true, contentType: true, bytes: true, createdAt: true }, orderBy: { createdAt: "asc" } },
      replays: { select: { id: true, number: true, status: true }, orderBy: { createdAt: "asc" } },
    },
  });
  if (!task) throw new AppError("NOT_FOUND", "Task not found in this workspace.");
  // The execute job when there is one, else the plan's (job ids are derived from the task's).
  const jobs = await db.runnerJob.findMany({
    where: { workspaceId, id: { in: [`${taskId}-execute`, `${taskId}-plan`] } },
    select: { id: true, runner: { select: { id: true, name: true } } },
  });
  const job = jobs.find((j) => j.id.endsWith("-execute")) ?? jobs[0];
  return {
    ...toTaskOutput(task),
    runner: job?.runner ?? null,
    steps: task.steps.map((s) => ({
      name: s.name,
      status: s.status,
      attempts: s.attempts,
      detail: s.detail,
      error: s.error,
      startedAt: s.startedAt,
      finishedAt: s.finishedAt,
    })),
    artifacts: task.artifacts,
    replays: task.replays,
  };
}

/** Log lines after `afterId` (oldest first), for the live log view. */
export async function listTaskLogs(
  db: Db,
  workspaceId: string,
  taskId: string,
  opts: { afterId?: number; limit?: number } = {},
): Promise<TaskLogOutput[]> {
  const task = await db.task.findFirst({ where: { id: taskId, workspaceId }, select: { id: true } });
  if (!task) throw new AppError("NOT_FOUND", "Task not found in this workspace.");
  const rows = await db.taskLog.findMany({
    where: { taskId, workspaceId, ...(opts.afterId ? { id: { gt: BigInt(opts.afterId) } } : {}) },
    orderBy: { id: "asc" },
    take: opts.limit ?? 500,
  });
  return rows.map((r) => ({ id: Number(r.id), level: r.level, step: r.step, message: r.message, createdAt: r.createdAt }));
}

export async function getArtifact(db: Db, workspaceId: string, artifactId: string) {
  const artifact = await db.artifact.findFirst({ where: { id: artifactId, workspaceId } });
  if (!artifact) throw new AppError("NOT_FOUND", "Artifact not found in this workspace.");
  return artifact;
}
