import type { Db } from "@/server/db";
import { logger } from "@/server/logger";
import { getInngest } from "@/inngest/client";
import { eventIds, runnerJobFinished } from "@/inngest/events";
import { onLocalJobEvent, publishTaskEvent, type JobEvent } from "@/server/runners/bus";
import { terminalStatuses } from "@/server/runners/jobs";
import { taskIdOfJob } from "./execute";
import { syncTaskJobStatus } from "./job-status";

/**
 * Runs in every app process. For the runner job events this instance publishes:
 * - a job's final state becomes `runner/job.finished`, which resumes the waiting pipeline;
 * - a job accepted by a runner or requeued changes the task's status line (job-status.ts);
 * - the output of a task's jobs (log lines, tokens) is appended to the task's log in batches.
 */
export function startTaskJobRelay(db: Db, opts: { flushMs?: number } = {}): () => Promise<void> {
  const pending = new Map<string, { stdout: string; stderr: string; token: string; log: string }>();
  const tasks = new Map<string, { workspaceId: string; projectId: string } | null>();
  let timer: NodeJS.Timeout | null = null;
  let flushing: Promise<void> = Promise.resolve();
  let statusWrites: Promise<void> = Promise.resolve();

  const taskOf = async (taskId: string) => {
    if (!tasks.has(taskId)) {
      const t = await db.task.findUnique({ where: { id: taskId }, select: { workspaceId: true, projectId: true } });
      tasks.set(taskId, t);
    }
    return tasks.get(taskId) ?? null;
  };

  const flush = async () => {
    timer = null;
    const batch = [...pending.entries()];
    pending.clear();
    for (const [jobId, streams] of batch) {
      const taskId = taskIdOfJob(jobId)!;
      const task = await taskOf(taskId);
      if (!task) continue;
      const step = jobId.endsWith("-plan") ? "plan" : "execute";
      const rows = (["log", "stdout", "stderr", "token"] as const).flatMap((stream) =>
        streams[stream]
          ? [
              {
                ...task,
                taskId,
                step,
                level: stream === "stderr" ? "warn" : stream === "token" ? "debug" : "info",
                message: streams[stream].slice(-10_000),
                data: { stream },
              },
            ]
          : [],
      );
      if (rows.length === 0) continue;
      await db.taskLog.createMany({ data: rows });
      await publishTaskEvent({ type: "task", taskId, workspaceId: task.workspaceId });
    }
  };

  const schedule = () => {
    timer ??= setTimeout(() => {
      flushing = flushing.then(flush).catch((err: unknown) => logger.warn({ err }, "could not append runner output to task logs"));
    }, opts.flushMs ?? 250);
  };

  const onEvent = (e: JobEvent) => {
    const taskId = taskIdOfJob(e.jobId);
    if (e.type === "chunk" && taskId) {
      const entry = pending.get(e.jobId) ?? { stdout: "", stderr: "", token: "", log: "" };
      entry[e.stream] += e.data;
      pending.set(e.jobId, entry);
      schedule();
    } else if (e.type === "state" && taskId && !terminalStatuses.has(e.status)) {
      // Accepted, offered or requeued: the task's status line says so. In order per instance.
      statusWrites = statusWrites
        .then(() => syncTaskJobStatus(db, e.jobId))
        .catch((err: unknown) => logger.warn({ err, jobId: e.jobId }, "could not update the task's status from its runner job"));
    } else if (e.type === "state" && terminalStatuses.has(e.status)) {
      const status = e.status as "succeeded" | "failed" | "cancelled";
      // Output first, so the log is complete when the pipeline resumes.
      if (pending.size > 0) {
        if (timer) clearTimeout(timer);
        timer = null;
        flushing = flushing.then(flush).catch(() => undefined);
      }
      void flushing
        .then(() => getInngest().send(runnerJobFinished.create({ jobId: e.jobId, status }, { id: eventIds.jobFinished(e.jobId) })))
        .catch((err: unknown) =>
          logger.warn({ err, jobId: e.jobId }, "could not send runner/job.finished; the pipeline reads the job when its wait ends"),
        );
    }
  };

  const unsubscribe = onLocalJobEvent(onEvent);
  return async () => {
    unsubscribe();
    if (timer) clearTimeout(timer);
    await flushing.then(flush).catch(() => undefined);
    await statusWrites;
  };
}
