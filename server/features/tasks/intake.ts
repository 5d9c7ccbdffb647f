import { randomBytes } from "node:crypto";
import type { Db } from "@/server/db";
import { AppError } from "@/server/errors";
import type { Prisma, Task } from "@/server/generated/prisma/client";
import { logger } from "@/server/logger";
import { eventIds, runnerJobFinished, taskCreated } from "@/inngest/events";
import { getInngest } from "@/inngest/client";
import type { Actor } from "../audit/record";
import { monthlyTaskCap, planOf } from "../billing/plans";
import {
  alertTaskQuota,
  concurrentLimitError,
  monthlyLimitError,
  readOnlyReason,
  taskLimitsParam,
  WorkspaceReadOnlyError,
  type TaskReservation,
} from "../billing/quotas";
import { checkRateLimit } from "../billing/rate-limit";
import { monthKey } from "../usage/period";
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

/** A Prisma-style id (25 characters, starts with "c") for rows the intake statement inserts itself. */
function newId(): string {
  return `c${Date.now().toString(36).padStart(9, "0")}${randomBytes(10).toString("hex").slice(0, 15)}`;
}

type IntakeRow = Task & {
  _workspaceFound: boolean;
  _plan: string | null;
  _slug: string | null;
  _projectFound: boolean;
  _projectName: string | null;
  _projectArchived: boolean;
  _status: string | null;
  _graceEndsAt: Date | null;
  _overage: boolean;
  _tasks: number | null;
};

const diagnostics = [
  "_workspaceFound",
  "_plan",
  "_slug",
  "_projectFound",
  "_projectName",
  "_projectArchived",
  "_status",
  "_graceEndsAt",
  "_overage",
  "_tasks",
] as const;

/**
 * The whole admission as one statement (one round trip, atomic): take the next task number on the
 * workspace row only if the project is usable, the workspace is writable and a concurrent slot is
 * free (the row lock makes those checks exact: a second submission waits for the first and sees its
 * counters), count the task against the month (refused by jace_refuse, which undoes the statement,
 * when the month's cap is reached), insert the task, its first log line and its audit entry.
 * The unique (workspaceId, source, sourceDeliveryId) turns a repeated delivery into an error that
 * also undoes everything; the caller then returns the first task. Exported for bench/billing.ts.
 */
export async function admitTask(
  db: Db,
  workspaceId: string,
  actor: Actor,
  input: CreateTaskInput,
  opts: IntakeOptions,
  now: Date,
): Promise<IntakeRow> {
  const requiresApproval = input.task.kind === "custom" || input.requireApproval === true;
  const period = monthKey(now);
  const logSuffix = ` created by ${actor.label} from ${opts.source}${opts.replayOfId ? " (a replay)" : ""}`;
  const audit = actor.type !== "system";
  const rows = await db.$queryRaw<IntakeRow[]>`
    WITH proj AS (
      SELECT p.id, p.name, p."archivedAt", coalesce(p.settings ->> 'requireApproval', '') = 'true' AS "requireApproval"
        FROM "Project" p
       WHERE p."workspaceId" = ${workspaceId}
         AND CASE WHEN ${input.projectId ?? null}::text IS NULL THEN p."archivedAt" IS NULL ELSE p.id = ${input.projectId ?? null}::text END
       ORDER BY p."createdAt" LIMIT 1
    ), acct AS (
      SELECT b.status, b."graceEndsAt", b."overagePriceId" IS NOT NULL AS overage FROM "BillingAccount" b WHERE b."workspaceId" = ${workspaceId}
    ), ws AS (
      UPDATE "Workspace" w SET "taskCounter" = w."taskCounter" + 1
        FROM proj
       WHERE w.id = ${workspaceId} AND proj."archivedAt" IS NULL
         AND NOT EXISTS (SELECT 1 FROM acct WHERE acct.status = 'unpaid'
                          OR (acct.status = 'past_due' AND (acct."graceEndsAt" IS NULL OR acct."graceEndsAt" <= ${now})))
         AND coalesce(w."activeTasks" < (coalesce(${taskLimitsParam}::jsonb -> w.plan, ${taskLimitsParam}::jsonb -> 'free') ->> 'concurrent')::int, true)
      RETURNING w."taskCounter" AS number, coalesce(${taskLimitsParam}::jsonb -> w.plan, ${taskLimitsParam}::jsonb -> 'free') AS l
    ), lim AS (
      SELECT ws.number, (ws.l ->> 'included')::int AS included,
             (CASE WHEN coalesce((SELECT overage FROM acct), false) THEN ws.l ->> 'overageCap' ELSE ws.l ->> 'cap' END)::int AS cap
        FROM ws
    ), bumped AS (
      INSERT INTO "UsageCounter" AS u ("workspaceId", period, tasks, "overageTasks", "updatedAt")
      SELECT ${workspaceId}, ${period}, 1, CASE WHEN lim.included < 1 THEN 1 ELSE 0 END, now() FROM lim
       WHERE lim.cap IS NULL OR lim.cap >= 1
      ON CONFLICT ("workspaceId", period) DO UPDATE
         SET tasks = u.tasks + 1,
             "overageTasks" = u."overageTasks" + CASE WHEN (SELECT included FROM lim) <= u.tasks THEN 1 ELSE 0 END,
             "updatedAt" = now()
       WHERE (SELECT cap FROM lim) IS NULL OR u.tasks < (SELECT cap FROM lim)
      RETURNING u.tasks
    ), task AS (
      INSERT INTO "Task" (id, "workspaceId", "projectId", number, kind, title, input, source, "sourceDeliveryId", "replyTo",
                          "replayOfId", "requiresApproval", "statusReason", "createdById", "createdByLabel", "createdAt", "updatedAt")
      SELECT ${newId()}, ${workspaceId}, proj.id,
             CASE WHEN bumped.tasks IS NULL THEN jace_refuse('tasksPerMonth') ELSE lim.number END,
             ${input.task.kind}, ${input.title || defaultTitle(input.task)}, ${JSON.stringify(input.task)}::jsonb, ${opts.source},
             ${opts.deliveryId ?? null}, ${JSON.stringify(opts.replyTo ?? {})}::jsonb, ${opts.replayOfId ?? null},
             ${requiresApproval} OR proj."requireApproval", 'Waiting to start',
             ${actor.type === "system" ? null : actor.id}, ${actor.label}, ${now}, ${now}
        FROM lim CROSS JOIN proj LEFT JOIN bumped ON true
      RETURNING *
    ), log AS (
      INSERT INTO "TaskLog" ("workspaceId", "projectId", "taskId", message, "createdAt")
      SELECT task."workspaceId", task."projectId", task.id, 'Task #' || task.number || ${logSuffix}, ${now} FROM task
    ), audit AS (
      INSERT INTO "AuditEvent" (id, "workspaceId", "actorType", "actorId", "actorLabel", action, "targetType", "targetId", metadata, ip, "createdAt")
      SELECT ${newId()}, ${workspaceId}, ${actor.type}, ${actor.type === "system" ? null : actor.id}, ${actor.label}, 'task.created', 'task', task.id,
             jsonb_build_object('number', task.number, 'kind', task.kind, 'source', task.source), ${opts.ip ?? null}, ${now}
        FROM task WHERE ${audit}
    )
    SELECT task.*,
           w.id IS NOT NULL AS "_workspaceFound", w.plan AS "_plan", w.slug AS "_slug",
           proj.id IS NOT NULL AS "_projectFound", proj.name AS "_projectName", proj."archivedAt" IS NOT NULL AS "_projectArchived",
           acct.status AS "_status", acct."graceEndsAt" AS "_graceEndsAt", coalesce(acct.overage, false) AS "_overage",
           (SELECT tasks FROM bumped) AS "_tasks"
      FROM (SELECT 1) one
      LEFT JOIN "Workspace" w ON w.id = ${workspaceId}
      LEFT JOIN proj ON true
      LEFT JOIN acct ON true
      LEFT JOIN task ON true`;
  return rows[0]!;
}

const isRefusal = (error: unknown): boolean => error instanceof Error && error.message.includes("jace_refuse:tasksPerMonth");
const isDuplicateDelivery = (error: unknown): boolean =>
  error instanceof Error && /sourceDeliveryId|23505|Unique constraint/i.test(error.message);

/**
 * Why the statement admitted nothing, as the error the caller sees; null when a concurrent slot has
 * freed since (the statement's figures are from before it waited for the workspace row), so the
 * caller tries again.
 */
async function refusal(db: Db, row: IntakeRow, workspaceId: string, projectId: string | undefined, now: Date): Promise<AppError | null> {
  if (!row._workspaceFound) return new AppError("NOT_FOUND", "Workspace not found.");
  if (!row._projectFound) {
    return projectId
      ? new AppError("NOT_FOUND", "Project not found in this workspace.")
      : new AppError("UNPROCESSABLE", "This workspace has no project yet. Create one on the Projects page, then submit the task.");
  }
  if (row._projectArchived)
    return new AppError("UNPROCESSABLE", `Project "${row._projectName}" is archived. Unarchive it or pick another project.`);
  const reason = readOnlyReason(row._status ? { status: row._status, graceEndsAt: row._graceEndsAt } : null, now);
  if (reason) return new WorkspaceReadOnlyError({ slug: row._slug! }, reason);
  const fresh = await db.workspace.findUnique({ where: { id: workspaceId }, select: { slug: true, plan: true, activeTasks: true } });
  if (!fresh) return new AppError("NOT_FOUND", "Workspace not found.");
  const limit = planOf(fresh.plan).limits.concurrentTasks;
  if (limit === null || fresh.activeTasks < limit) return null;
  return concurrentLimitError({ id: workspaceId, ...fresh }, fresh.activeTasks);
}

async function existingDelivery(db: Db, workspaceId: string, opts: IntakeOptions): Promise<Task | null> {
  if (!opts.deliveryId) return null;
  return db.task.findFirst({ where: { workspaceId, source: opts.source, sourceDeliveryId: opts.deliveryId } });
}

async function monthlyRefusal(db: Db, workspaceId: string, now: Date): Promise<AppError> {
  const [row] = await db.$queryRaw<{ slug: string; plan: string; tasks: number | null; overage: boolean | null }[]>`
    SELECT w.slug, w.plan, u.tasks, b."overagePriceId" IS NOT NULL AS overage FROM "Workspace" w
      LEFT JOIN "UsageCounter" u ON u."workspaceId" = w.id AND u.period = ${monthKey(now)}
      LEFT JOIN "BillingAccount" b ON b."workspaceId" = w.id
     WHERE w.id = ${workspaceId}`;
  if (!row) return new AppError("NOT_FOUND", "Workspace not found.");
  return monthlyLimitError({ id: workspaceId, slug: row.slug, plan: row.plan }, row.tasks ?? 0, row.overage ?? false, now);
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
  const now = new Date();
  if (!webSources.has(opts.source)) await checkRateLimit(db, { id: workspaceId }, "webhook");

  let row: IntakeRow | null = null;
  for (let attempt = 0; !row; attempt++) {
    let admitted: IntakeRow;
    try {
      admitted = await admitTask(db, workspaceId, actor, input, opts, now);
    } catch (error) {
      if (isRefusal(error)) {
        const existing = await existingDelivery(db, workspaceId, opts);
        if (existing) return { task: existing, created: false };
        throw await monthlyRefusal(db, workspaceId, now);
      }
      if (opts.deliveryId && isDuplicateDelivery(error)) {
        const existing = await existingDelivery(db, workspaceId, opts);
        if (existing) return { task: existing, created: false };
      }
      throw error;
    }
    if (admitted.id) {
      row = admitted;
      break;
    }
    const existing = await existingDelivery(db, workspaceId, opts);
    if (existing) return { task: existing, created: false };
    const error = await refusal(db, admitted, workspaceId, input.projectId, now);
    if (error) throw error;
    if (attempt >= 2) throw new AppError("CONFLICT", "Tasks are finishing and starting too fast to admit this one. Submit it again.");
  }
  const task = Object.fromEntries(Object.entries(row).filter(([k]) => !(diagnostics as readonly string[]).includes(k))) as Task;
  const workspace = { id: workspaceId, slug: row._slug!, plan: row._plan! };
  const plan = planOf(workspace.plan);
  const reservation: TaskReservation = {
    period: monthKey(now),
    tasks: row._tasks ?? 0,
    included: plan.limits.tasksPerMonth,
    cap: monthlyTaskCap(plan, row._overage),
    overage: row._overage,
  };
  await alertTaskQuota(db, workspace, reservation);
  await startPipeline(task);
  return { task, created: true };
}

/**
 * Sends `task/created`. If the event cannot be sent now, the task stays queued and the intake
 * sweep (inngest/functions/tasks/sweep.ts) sends it again; the event id makes repeats harmless.
 */
export async function startPipeline(task: Pick<Task, "id" | "workspaceId">): Promise<void> {
  await sendCreated(taskCreated.create({ taskId: task.id, workspaceId: task.workspaceId }, { id: eventIds.taskCreated(task.id) }));
  await publishTaskEvent({ type: "task", taskId: task.id, workspaceId: task.workspaceId });
}

type CreatedEvent = ReturnType<typeof taskCreated.create>;
type Outgoing = { client: ReturnType<typeof getInngest>; event: CreatedEvent; done: () => void };
const outgoing: Outgoing[] = [];
let draining = false;

/**
 * Sends `task/created`, batched: the first event goes at once, and those that arrive while a send
 * is in flight go together in the next request (one HTTP round trip for a burst, not one each).
 * Resolves once its batch was sent or failed (the sweep re-sends what failed).
 */
function sendCreated(event: CreatedEvent): Promise<void> {
  return new Promise<void>((done) => {
    outgoing.push({ client: getInngest(), event, done });
    if (!draining) void drainCreated();
  });
}

async function drainCreated(): Promise<void> {
  draining = true;
  try {
    while (outgoing.length > 0) {
      const client = outgoing[0]!.client;
      const batch: Outgoing[] = [];
      for (let i = 0; i < outgoing.length && batch.length < 100;) {
        if (outgoing[i]!.client === client) batch.push(...outgoing.splice(i, 1));
        else i++;
      }
      try {
        await client.send(batch.map((b) => b.event));
      } catch (err) {
        logger.warn({ err, taskIds: batch.map((b) => b.event.data.taskId) }, "could not send task/created; the intake sweep will retry");
      }
      for (const b of batch) b.done();
    }
  } finally {
    draining = false;
  }
}

/**
 * A new task with the same input as `taskId`, linked to it. A replay is asked for on the web or
 * through the API, so it counts as that source (not as the original's channel webhook) and its
 * result is shown where it was asked for.
 */
/**
 * A new task with the original's input, linked by `replayOfId`. With a `deliveryId` (the web
 * button's key, the REST Idempotency-Key) a repeat returns the first replay; a key already used
 * for something else is refused, since answering with that task would drop this request.
 */
export async function replayTask(
  db: Db,
  workspaceId: string,
  actor: Actor,
  taskId: string,
  ip: string | null = null,
  deliveryId?: string,
): Promise<{ task: Task; created: boolean }> {
  const original = await db.task.findFirst({ where: { id: taskId, workspaceId } });
  if (!original) throw new AppError("NOT_FOUND", "Task not found in this workspace.");
  const out = await createTask(
    db,
    workspaceId,
    actor,
    {
      projectId: original.projectId,
      title: original.title,
      task: original.input as TaskInput,
      requireApproval: original.requiresApproval,
    },
    { source: actor.type === "api_key" ? "api" : "web", ip, replayOfId: original.id, deliveryId },
  );
  if (!out.created && out.task.replayOfId !== original.id) {
    throw new AppError(
      "UNPROCESSABLE",
      `This key was already used for task #${out.task.number}. Send a new key to replay task #${original.number}.`,
    );
  }
  return out;
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
