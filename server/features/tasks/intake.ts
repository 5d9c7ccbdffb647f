import type { Db } from "@/server/db";
import { AppError } from "@/server/errors";
import { Prisma, type Task } from "@/server/generated/prisma/client";
import { logger } from "@/server/logger";
import { eventIds, runnerJobFinished, taskCreated } from "@/inngest/events";
import { getInngest } from "@/inngest/client";
import { recordAudit, type Actor } from "../audit/record";
import { projectSettings } from "../projects/schemas";
import { alertTaskQuota, reserveTaskQuota, type TaskReservation } from "../billing/quotas";
import { checkRateLimit } from "../billing/rate-limit";
import { publishTaskEvent } from "@/server/runners/bus";
import type { CreateTaskInput, TaskInput, TaskSource } from "./schemas";

export type IntakeOptions = {
  source: TaskSource;
  /** The channel's own id for this request; a repeat of it returns the first task. */
  deliveryId?: string;
  /** Where the delivery step answers (Slack thread, GitHub issue, ...). */
  replyTo?: Prisma.InputJsonObject;
  ip?: string | null;
  /** The task this one replays. */
  replayOfId?: string;
};

export function defaultTitle(task: TaskInput): string {
  const text =
    task.kind === "ask"
      ? task.question
      : task.kind === "test"
        ? `Test ${task.repository}${task.branch ? ` @ ${task.branch}` : ""}`
        : task.instructions;
  const oneLine = text.replace(/\s+/g, " ").trim();
  return oneLine.length > 120 ? `${oneLine.slice(0, 117)}...` : oneLine;
}

/** Sources whose requests are rate limited as API calls already (see server/api/rest.ts). */
const webSources = new Set<TaskSource>(["web", "api"]);

async function resolveProject(db: Db, workspaceId: string, projectId: string | undefined) {
  const include = { workspace: { select: { slug: true, plan: true, id: true } } } as const;
  const project = projectId
    ? await db.project.findFirst({ where: { id: projectId, workspaceId }, include })
    : await db.project.findFirst({ where: { workspaceId, archivedAt: null }, orderBy: { createdAt: "asc" }, include });
  if (!project) {
    throw projectId
      ? new AppError("NOT_FOUND", "Project not found in this workspace.")
      : new AppError("UNPROCESSABLE", "This workspace has no project yet. Create one on the Projects page, then submit the task.");
  }
  if (project.archivedAt)
    throw new AppError("UNPROCESSABLE", `Project "${project.name}" is archived. Unarchive it or pick another project.`);
  return project;
}

/**
 * Intake: writes the task (numbered per workspace; idempotent on the source's delivery id) and
 * sends `task/created`. Returns the existing task when the delivery was seen before.
 */
export async function createTask(
  db: Db,
  workspaceId: string,
  actor: Actor,
  input: CreateTaskInput,
  opts: IntakeOptions,
): Promise<{ task: Task; created: boolean }> {
  if (opts.deliveryId) {
    const existing = await db.task.findFirst({ where: { workspaceId, source: opts.source, sourceDeliveryId: opts.deliveryId } });
    if (existing) return { task: existing, created: false };
  }
  const project = await resolveProject(db, workspaceId, input.projectId);
  const settings = projectSettings.safeParse(project.settings);
  const requiresApproval =
    input.task.kind === "custom" || input.requireApproval === true || (settings.success && settings.data.requireApproval === true);

  if (!webSources.has(opts.source)) await checkRateLimit(db, project.workspace, "webhook");

  let task: Task;
  let quota: TaskReservation | undefined;
  try {
    task = await db.$transaction(
      async (tx) => {
        // Locks the workspace row: intake into one workspace is serialised from here on, which
        // makes the quota reservation below exact.
        const [counter] = await tx.$queryRaw<{ taskCounter: number; slug: string; plan: string }[]>`
        UPDATE "Workspace" SET "taskCounter" = "taskCounter" + 1 WHERE id = ${workspaceId} RETURNING "taskCounter", slug, plan`;
        if (!counter) throw new AppError("NOT_FOUND", "Workspace not found.");
        quota = await reserveTaskQuota(tx, { id: workspaceId, slug: counter.slug, plan: counter.plan });
        const created = await tx.task.create({
          data: {
            workspaceId,
            projectId: project.id,
            number: counter.taskCounter,
            kind: input.task.kind,
            title: input.title || defaultTitle(input.task),
            input: input.task,
            source: opts.source,
            sourceDeliveryId: opts.deliveryId ?? null,
            replyTo: opts.replyTo ?? {},
            replayOfId: opts.replayOfId ?? null,
            requiresApproval,
            statusReason: "Waiting to start",
            createdById: actor.type === "system" ? null : actor.id,
            createdByLabel: actor.label,
          },
        });
        await tx.taskLog.create({
          data: {
            workspaceId,
            projectId: project.id,
            taskId: created.id,
            message: `Task #${created.number} created by ${actor.label} from ${opts.source}${opts.replayOfId ? " (a replay)" : ""}`,
          },
        });
        if (actor.type !== "system") {
          await recordAudit(tx, workspaceId, actor, opts.ip ?? null, {
            action: "task.created",
            targetType: "task",
            targetId: created.id,
            metadata: { number: created.number, kind: created.kind, source: opts.source },
          });
        }
        return created;
        // A burst into one workspace queues on its task counter row: wait for it rather than fail.
      },
      { maxWait: 15_000, timeout: 20_000 },
    );
  } catch (error) {
    if (opts.deliveryId && error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") {
      const existing = await db.task.findFirst({ where: { workspaceId, source: opts.source, sourceDeliveryId: opts.deliveryId } });
      if (existing) return { task: existing, created: false };
    }
    throw error;
  }
  if (quota) await alertTaskQuota(db, { id: workspaceId, slug: project.workspace.slug, plan: project.workspace.plan }, quota);
  await startPipeline(task);
  return { task, created: true };
}

/**
 * Sends `task/created`. If the event cannot be sent now, the task stays queued and the intake
 * sweep (inngest/functions/tasks/sweep.ts) sends it again; the event id makes repeats harmless.
 */
export async function startPipeline(task: Pick<Task, "id" | "workspaceId">): Promise<void> {
  try {
    await getInngest().send(taskCreated.create({ taskId: task.id, workspaceId: task.workspaceId }, { id: eventIds.taskCreated(task.id) }));
  } catch (err) {
    logger.warn({ err, taskId: task.id }, "could not send task/created; the intake sweep will retry");
  }
  await publishTaskEvent({ type: "task", taskId: task.id, workspaceId: task.workspaceId });
}

/** A new task with the same input as `taskId`, linked to it. */
export async function replayTask(db: Db, workspaceId: string, actor: Actor, taskId: string, ip: string | null = null): Promise<Task> {
  const original = await db.task.findFirst({ where: { id: taskId, workspaceId } });
  if (!original) throw new AppError("NOT_FOUND", "Task not found in this workspace.");
  const { task } = await createTask(
    db,
    workspaceId,
    actor,
    {
      projectId: original.projectId,
      title: original.title,
      task: original.input as TaskInput,
      requireApproval: original.requiresApproval,
    },
    { source: original.source as TaskSource, replyTo: original.replyTo as Prisma.InputJsonObject, ip, replayOfId: original.id },
  );
  return task;
}

/**
 * Re-sends the events a task may be missing: `task/created` for tasks still queued a minute after
 * intake, and `runner/job.finished` for jobs that ended a minute ago while their task still waits
 * (the instance that saw the result stopped before sending it). Repeats are harmless.
 */
export async function resendStuckTasks(db: Db, olderThanMs = 60_000): Promise<number> {
  const before = new Date(Date.now() - olderThanMs);
  const stuck = await db.task.findMany({
    where: { status: "queued", createdAt: { lt: before } },
    select: { id: true, workspaceId: true },
    orderBy: { createdAt: "asc" },
    take: 500,
  });
  const waiting = await db.task.findMany({
    where: { status: { in: ["planning", "running"] }, updatedAt: { lt: before } },
    select: { id: true },
    take: 500,
  });
  const lost = await db.runnerJob.findMany({
    where: {
      id: { in: waiting.flatMap((t) => [`${t.id}-plan`, `${t.id}-execute`]) },
      status: { in: ["succeeded", "failed", "cancelled"] },
      finishedAt: { lt: before },
    },
    select: { id: true, status: true },
  });
  const minute = Math.floor(Date.now() / 60_000);
  const events = [
    ...stuck.map((t) => taskCreated.create({ taskId: t.id, workspaceId: t.workspaceId }, { id: eventIds.taskCreated(t.id) })),
    ...lost.map((j) =>
      runnerJobFinished.create(
        { jobId: j.id, status: j.status as "succeeded" | "failed" | "cancelled" },
        { id: `${eventIds.jobFinished(j.id)}-sweep-${minute}` },
      ),
    ),
  ];
  if (events.length > 0) await getInngest().send(events);
  return events.length;
}
