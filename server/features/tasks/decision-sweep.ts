import { getEmbeddedExecutor, getInngest } from "@/inngest/client";
import { eventIds, taskApproved, taskCancelRequested, taskRejected } from "@/inngest/events";
import type { Db } from "@/server/db";
import { logger } from "@/server/logger";

/**
 * Decisions whose event never reached the pipeline. approveTask, rejectTask and cancelTask write
 * the decision, then send its event; when the send fails (or the app stops in between) the run
 * keeps waiting. The sweep sends the event again under the same id, so a repeat of one that did
 * arrive is dropped as a duplicate.
 */

const BATCH = 200;
/** Without the embedded executor the run's state is not visible: resend only for this long. */
const BLIND_WINDOW_MS = 10 * 60_000;
/** With it, look this far back: longer than a run can wait for approval (72 h). */
const RUN_WINDOW_MS = 4 * 24 * 3_600_000;
const PIPELINE = "task-pipeline";

/** `workspaceId` limits the sweep to one workspace (the cron sweeps them all). */
export async function resendLostDecisions(
  db: Db,
  opts: { olderThanMs?: number; now?: number; workspaceId?: string } = {},
): Promise<number> {
  const now = opts.now ?? Date.now();
  const scope = opts.workspaceId ? { workspaceId: opts.workspaceId } : {};
  const before = new Date(now - (opts.olderThanMs ?? 60_000));
  // Still awaiting approval a minute after the decision: the pipeline never heard it.
  const approved = await db.task.findMany({
    where: { ...scope, status: "awaiting_approval", decidedAt: { not: null, lt: before } },
    select: { id: true, workspaceId: true, decidedByLabel: true },
    orderBy: { decidedAt: "asc" },
    take: BATCH,
  });
  const executor = getEmbeddedExecutor();
  // Rejected or cancelled: the task ended, but its run may still wait (for approval, a runner job).
  const ended = await db.task.findMany({
    where: {
      ...scope,
      status: "cancelled",
      finishedAt: { lt: before, gte: new Date(now - (executor ? RUN_WINDOW_MS : BLIND_WINDOW_MS)) },
      OR: [{ statusReason: "Rejected" }, { cancelRequestedAt: { not: null } }],
    },
    select: { id: true, workspaceId: true, statusReason: true, error: true, decidedByLabel: true },
    orderBy: { finishedAt: "desc" },
    take: executor ? 1000 : BATCH,
  });
  let stillRunning = ended;
  if (executor && ended.length > 0) {
    const runs = await executor.listRuns({
      functionId: `${getInngest().id}-${PIPELINE}`,
      status: "running",
      eventDataIn: { key: "taskId", values: ended.map((t) => t.id) },
      limit: 500,
    });
    const running = new Set(runs.map((r) => String(r.event.data.taskId)));
    stillRunning = ended.filter((t) => running.has(t.id));
  }
  const events = [
    ...approved.map((t) =>
      taskApproved.create(
        { taskId: t.id, workspaceId: t.workspaceId, by: t.decidedByLabel ?? "someone" },
        { id: eventIds.taskDecision(t.id) },
      ),
    ),
    ...stillRunning.map((t) =>
      t.statusReason === "Rejected"
        ? taskRejected.create(
            { taskId: t.id, workspaceId: t.workspaceId, by: t.decidedByLabel ?? "someone", reason: rejectionReason(t.error) },
            { id: eventIds.taskDecision(t.id) },
          )
        : taskCancelRequested.create(
            { taskId: t.id, workspaceId: t.workspaceId, by: (t.error ?? "").replace(/^Cancelled by /, "").slice(0, 200) || "someone" },
            { id: eventIds.taskCancel(t.id) },
          ),
    ),
  ];
  if (events.length === 0) return 0;
  await getInngest().send(events);
  logger.info({ approved: approved.length, ended: stillRunning.length }, "resent task decisions the pipeline had not received");
  return events.length;
}

/** The reason as rejectTask wrote it into the task's error ("Plan rejected by X: reason"). */
function rejectionReason(error: string | null): string {
  return (/^Plan rejected by [^:]*: (.*)$/s.exec(error ?? "")?.[1] ?? "").slice(0, 1000);
}
