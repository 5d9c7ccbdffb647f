import { randomUUID } from "node:crypto";
import { jobSpec, type JobOutput, type JobSpecInput, type Usage } from "@jace/gpu-runner/protocol";
import type { Db } from "../db";
import { AppError } from "../errors";
import type { Prisma, RunnerJob } from "../generated/prisma/client";
import { onJobEvent, publishControl, publishJobEvent, type JobEvent } from "./bus";
import { requirementsFor } from "./matching";

/**
 * The runner service other parts of Jace use: dispatch a job to the workspace's runners, stream
 * its chunks, await its result, cancel it. Jobs live in Postgres; any app instance holding a
 * fitting runner's socket picks them up.
 */

export const terminalStatuses = new Set(["succeeded", "failed", "cancelled"]);

export type DispatchOptions = {
  labels?: string[];
  /** How long the job may wait for a runner before failing. */
  queueTimeoutMs?: number;
  /** How long it may run once started. */
  timeoutMs?: number;
  maxAttempts?: number;
  allowUnsandboxed?: boolean;
  /**
   * A caller-chosen id (e.g. `<taskId>-execute`) makes dispatch idempotent: a second dispatch with
   * the same id returns the existing job instead of creating another.
   */
  jobId?: string;
  /**
   * Receives the job's live events from before it is announced, so none are missed (chunks are
   * not stored; a watcher that subscribes later sees only what comes after).
   */
  onEvent?: (e: JobEvent) => void;
};

export type JobResult = {
  jobId: string;
  status: "succeeded" | "failed" | "cancelled";
  output: JobOutput | null;
  error: string | null;
  usage: Usage | null;
  runnerId: string | null;
  attempt: number;
};

export async function dispatchJob(
  db: Db,
  workspaceId: string,
  input: JobSpecInput,
  opts: DispatchOptions = {},
): Promise<{ jobId: string; unwatch: () => void }> {
  const parsed = jobSpec.safeParse(input);
  if (!parsed.success)
    throw new AppError("BAD_REQUEST", `Invalid job: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  const spec = parsed.data;
  const id = opts.jobId ?? randomUUID();
  if (opts.jobId) {
    const existing = await db.runnerJob.findFirst({ where: { id, workspaceId }, select: { id: true } });
    if (existing) return { jobId: existing.id, unwatch: opts.onEvent ? watchJob(id, opts.onEvent) : () => {} };
  }
  const unwatch = opts.onEvent ? watchJob(id, opts.onEvent) : () => {};
  const job = await db.runnerJob.create({
    data: {
      id,
      workspaceId,
      kind: spec.kind,
      spec: spec as unknown as Prisma.InputJsonValue,
      requirements: requirementsFor(spec, opts) as unknown as Prisma.InputJsonValue,
      queueTimeoutAt: new Date(Date.now() + (opts.queueTimeoutMs ?? 5 * 60_000)),
      timeoutMs: opts.timeoutMs ?? 10 * 60_000,
      maxAttempts: opts.maxAttempts ?? 3,
      queuedReason: "waiting for a runner",
    },
  });
  await publishControl({ type: "jobs", workspaceId });
  return { jobId: job.id, unwatch };
}

function toResult(job: RunnerJob): JobResult {
  return {
    jobId: job.id,
    status: job.status as JobResult["status"],
    output: (job.output as JobOutput | null) ?? null,
    error: job.error,
    usage: (job.usage as Usage | null) ?? null,
    runnerId: job.runnerId,
    attempt: job.attempt,
  };
}

/** Live events of one job (chunks, progress, state). Returns the unsubscribe function. */
export function watchJob(jobId: string, handler: (e: JobEvent) => void): () => void {
  return onJobEvent((e) => {
    if (e.jobId === jobId) handler(e);
  });
}

/** Resolves with the job's final state. Event-driven, with a slow poll as a safety net. */
export async function awaitJobResult(
  db: Db,
  workspaceId: string,
  jobId: string,
  opts: { signal?: AbortSignal; pollMs?: number } = {},
): Promise<JobResult> {
  const first = await db.runnerJob.findFirst({ where: { id: jobId, workspaceId } });
  if (!first) throw new AppError("NOT_FOUND", "Runner job not found in this workspace.");
  if (terminalStatuses.has(first.status)) return toResult(first);
  return new Promise<JobResult>((resolve, reject) => {
    let done = false;
    const check = async () => {
      if (done) return;
      const job = await db.runnerJob.findUnique({ where: { id: jobId } });
      if (job && terminalStatuses.has(job.status) && !done) finish(() => resolve(toResult(job)));
    };
    const finish = (fn: () => void) => {
      done = true;
      unsubscribe();
      clearInterval(timer);
      opts.signal?.removeEventListener("abort", onAbort);
      fn();
    };
    const unsubscribe = watchJob(jobId, (e) => {
      if (e.type === "state" && terminalStatuses.has(e.status)) void check();
    });
    const timer = setInterval(() => void check().catch(() => {}), opts.pollMs ?? 2000);
    const onAbort = () => finish(() => reject(new AppError("BAD_REQUEST", "Stopped waiting for the runner job.")));
    opts.signal?.addEventListener("abort", onAbort);
    void check().catch((err: unknown) => finish(() => reject(err)));
  });
}

/**
 * Dispatches a job and streams all of its events until it ends (subscribed before the job is
 * announced, so even a runner that answers at once loses nothing).
 */
export async function dispatchStreaming(db: Db, workspaceId: string, input: JobSpecInput, opts: Omit<DispatchOptions, "onEvent"> = {}) {
  const queue: JobEvent[] = [];
  const box: { wake: (() => void) | null } = { wake: null };
  const { jobId, unwatch } = await dispatchJob(db, workspaceId, input, {
    ...opts,
    onEvent: (e) => {
      queue.push(e);
      box.wake?.();
    },
  });
  return { jobId, events: drain(db, workspaceId, jobId, queue, box, unwatch) };
}

/** Streams a job's live events from now until it ends. */
export function streamJob(db: Db, workspaceId: string, jobId: string): AsyncGenerator<JobEvent> {
  const queue: JobEvent[] = [];
  const box: { wake: (() => void) | null } = { wake: null };
  const unsubscribe = watchJob(jobId, (e) => {
    queue.push(e);
    box.wake?.();
  });
  return drain(db, workspaceId, jobId, queue, box, unsubscribe);
}

async function* drain(
  db: Db,
  workspaceId: string,
  jobId: string,
  queue: JobEvent[],
  box: { wake: (() => void) | null },
  unsubscribe: () => void,
): AsyncGenerator<JobEvent> {
  let finished = false;
  const result = awaitJobResult(db, workspaceId, jobId).finally(() => {
    finished = true;
    box.wake?.();
  });
  result.catch(() => {});
  // The publisher sends a job's chunks before its final state event, so that event marks the end
  // of the stream. The database can show the final state a moment earlier (chunks travel in 25 ms
  // batches between instances): then wait briefly for the event before ending.
  let sawFinalEvent = false;
  let graceUntil = 0;
  try {
    while (true) {
      while (queue.length > 0) {
        const e = queue.shift()!;
        if (e.type === "state" && terminalStatuses.has(e.status)) {
          sawFinalEvent = true;
          continue;
        }
        yield e;
      }
      if (finished && (sawFinalEvent || (graceUntil && Date.now() >= graceUntil))) break;
      if (finished && !graceUntil) graceUntil = Date.now() + 1000;
      await new Promise<void>((r) => {
        box.wake = r;
        if (finished) setTimeout(r, 50);
      });
      box.wake = null;
    }
    const final = await result;
    yield { type: "state", jobId, status: final.status };
  } finally {
    unsubscribe();
  }
}

/** Cancels a job: at once when still queued, else by telling the runner holding it. */
export async function cancelJob(db: Db, workspaceId: string, jobId: string, reason: string): Promise<void> {
  const job = await db.runnerJob.findFirst({ where: { id: jobId, workspaceId } });
  if (!job) throw new AppError("NOT_FOUND", "Runner job not found in this workspace.");
  if (terminalStatuses.has(job.status)) return;
  const queued = await db.runnerJob.updateMany({
    where: { id: jobId, status: "queued" },
    data: { status: "cancelled", error: `Cancelled: ${reason}`, finishedAt: new Date(), cancelRequestedAt: new Date() },
  });
  if (queued.count === 1) {
    publishJobEvent({ type: "state", jobId, status: "cancelled" });
    return;
  }
  await db.runnerJob.updateMany({ where: { id: jobId, status: { in: ["offered", "running"] } }, data: { cancelRequestedAt: new Date() } });
  const current = await db.runnerJob.findUnique({ where: { id: jobId } });
  if (current?.runnerId && !terminalStatuses.has(current.status))
    await publishControl({ type: "cancel", runnerId: current.runnerId, jobId, reason });
}
