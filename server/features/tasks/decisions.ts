import type { Db } from "@/server/db";
import { AppError } from "@/server/errors";
import type { Task } from "@/server/generated/prisma/client";
import { getInngest } from "@/inngest/client";
import { logger } from "@/server/logger";
import { eventIds, taskApproved, taskCancelRequested, taskRejected } from "@/inngest/events";
import { recordAudit, type Actor } from "../audit/record";
import { cancelTaskJobs } from "./execute";
import { appendLog, closeOpenSteps, setTaskStatus } from "./progress";
import { findTask } from "./tasks";
import { isTerminal } from "./schemas";

/**
 * People deciding about a task: approve or reject its plan, or cancel it. Each is a conditional
 * update (so two clicks cannot both win) followed by the event the pipeline waits for.
 */

/**
 * The decision is already recorded: a failed send is not the person's problem. The sweep
 * (decision-sweep.ts) sends it again within a minute or two.
 */
async function sendDecision(event: Parameters<ReturnType<typeof getInngest>["send"]>[0]): Promise<void> {
  try {
    await getInngest().send(event);
  } catch (err) {
    logger.warn({ err }, "task decision recorded but its event was not sent; the sweep resends it");
  }
}

function notWaiting(task: Task): AppError {
  return new AppError("CONFLICT", `Task #${task.number} is not waiting for approval (it is ${task.status.replace("_", " ")}).`);
}

export async function approveTask(db: Db, workspaceId: string, actor: Actor, taskRef: string, ip: string | null = null): Promise<Task> {
  const task = await findTask(db, workspaceId, taskRef);
  const { count } = await db.task.updateMany({
    where: { id: task.id, workspaceId, status: "awaiting_approval", decidedAt: null },
    data: {
      decidedAt: new Date(),
      decidedById: actor.type === "system" ? null : actor.id,
      decidedByLabel: actor.label,
      statusReason: "Approved",
    },
  });
  if (count === 0) throw notWaiting(task);
  await recordAudit(db, workspaceId, actor, ip, {
    action: "task.approved",
    targetType: "task",
    targetId: task.id,
    metadata: { number: task.number },
  });
  await appendLog(db, task, `Plan approved by ${actor.label}`, { step: "approval" });
  await sendDecision(taskApproved.create({ taskId: task.id, workspaceId, by: actor.label }, { id: eventIds.taskDecision(task.id) }));
  return (await db.task.findUniqueOrThrow({ where: { id: task.id } })) as Task;
}

export async function rejectTask(
  db: Db,
  workspaceId: string,
  actor: Actor,
  taskRef: string,
  reason: string,
  ip: string | null = null,
): Promise<Task> {
  const task = await findTask(db, workspaceId, taskRef);
  const why = reason.trim() ? `Plan rejected by ${actor.label}: ${reason.trim()}` : `Plan rejected by ${actor.label}`;
  const now = new Date();
  const { count } = await db.task.updateMany({
    where: { id: task.id, workspaceId, status: "awaiting_approval", decidedAt: null },
    data: {
      status: "cancelled",
      statusReason: "Rejected",
      error: why,
      decidedAt: now,
      decidedById: actor.type === "system" ? null : actor.id,
      decidedByLabel: actor.label,
      finishedAt: now,
    },
  });
  if (count === 0) throw notWaiting(task);
  await closeOpenSteps(db, task, "cancelled", why);
  await recordAudit(db, workspaceId, actor, ip, {
    action: "task.rejected",
    targetType: "task",
    targetId: task.id,
    metadata: { number: task.number },
  });
  await appendLog(db, task, why, { step: "approval", level: "warn" });
  // The pipeline is cancelled by this event (cancelOn), wherever it is waiting.
  await sendDecision(
    taskRejected.create({ taskId: task.id, workspaceId, by: actor.label, reason }, { id: eventIds.taskDecision(task.id) }),
  );
  return db.task.findUniqueOrThrow({ where: { id: task.id } });
}

export async function cancelTask(db: Db, workspaceId: string, actor: Actor, taskRef: string, ip: string | null = null): Promise<Task> {
  const task = await findTask(db, workspaceId, taskRef);
  if (isTerminal(task.status))
    throw new AppError("CONFLICT", `Task #${task.number} has already ${task.status === "cancelled" ? "been cancelled" : task.status}.`);
  const why = `Cancelled by ${actor.label}`;
  const now = new Date();
  const moved = await setTaskStatus(db, task, "cancelled", {
    statusReason: "Cancelled",
    error: why,
    cancelRequestedAt: now,
    finishedAt: now,
  });
  if (!moved) throw new AppError("CONFLICT", `Task #${task.number} finished before it could be cancelled.`);
  await closeOpenSteps(db, task, "cancelled", why);
  await recordAudit(db, workspaceId, actor, ip, {
    action: "task.cancelled",
    targetType: "task",
    targetId: task.id,
    metadata: { number: task.number },
  });
  await appendLog(db, task, why, { level: "warn" });
  await sendDecision(taskCancelRequested.create({ taskId: task.id, workspaceId, by: actor.label }, { id: eventIds.taskCancel(task.id) }));
  await cancelTaskJobs(db, workspaceId, task.id, why);
  return db.task.findUniqueOrThrow({ where: { id: task.id } });
}
