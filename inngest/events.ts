import { eventType } from "inngest";
import { z } from "zod";

/**
 * Every event Jace sends or waits for, with the zod schema of its data. Names are
 * `domain/noun.verb`; ids that make a repeated send harmless are built by the helpers below.
 */

const id = z.string().min(1).max(64);

export const taskCreated = eventType("task/created", {
  schema: z.object({ taskId: id, workspaceId: id }),
});

export const taskApproved = eventType("task/approved", {
  schema: z.object({ taskId: id, workspaceId: id, by: z.string().max(200) }),
});

export const taskRejected = eventType("task/rejected", {
  schema: z.object({ taskId: id, workspaceId: id, by: z.string().max(200), reason: z.string().max(1000) }),
});

export const taskCancelRequested = eventType("task/cancel.requested", {
  schema: z.object({ taskId: id, workspaceId: id, by: z.string().max(200) }),
});

export const runnerJobFinished = eventType("runner/job.finished", {
  schema: z.object({ jobId: id, status: z.enum(["succeeded", "failed", "cancelled"]) }),
});

/** Asks for an immediate metering flush (the function also runs every minute). */
export const billingUsageFlush = eventType("billing/usage.flush", {
  schema: z.object({ reason: z.string().max(200) }),
});

/** Event ids: the executor (and Inngest Cloud, for 24 h) drops a second event with the same id. */
export const eventIds = {
  taskCreated: (taskId: string) => `task-created-${taskId}`,
  taskDecision: (taskId: string) => `task-decision-${taskId}`,
  taskCancel: (taskId: string) => `task-cancel-${taskId}`,
  jobFinished: (jobId: string) => `runner-job-finished-${jobId}`,
};
