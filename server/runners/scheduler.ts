import type { JobSpec } from "@jace/gpu-runner/protocol";
import type { Db } from "../db";
import { Prisma } from "../generated/prisma/client";
import type { Logger } from "../logger";
import { publishJobEvent } from "./bus";
import { pickRunner, type Candidate, type Requirements } from "./matching";

/**
 * Assignment and timeouts of runner jobs, in SQL that is safe with several app instances: queued
 * jobs are claimed with FOR UPDATE SKIP LOCKED, every state change is a conditional UPDATE, so a
 * job is offered to one runner at a time and finishes exactly once.
 */

export type Offer = { jobId: string; runnerId: string; attempt: number; spec: JobSpec; timeoutMs: number };

type QueuedRow = {
  id: string;
  workspaceId: string;
  requirements: Requirements;
  excludedRunnerIds: string[];
  declinedRunnerIds: string[];
  attempt: number;
  spec: JobSpec;
  timeoutMs: number;
  queuedReason: string | null;
};

/** Claims queued jobs of the given workspaces and assigns each to a fitting local runner. */
export async function assignJobs(
  db: Db,
  workspaceIds: string[],
  candidatesFor: (workspaceId: string) => Candidate[],
  leaseTtlMs: number,
): Promise<Offer[]> {
  if (workspaceIds.length === 0) return [];
  return db.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<QueuedRow[]>`
      SELECT id, "workspaceId", requirements, "excludedRunnerIds", "declinedRunnerIds", attempt, spec, "timeoutMs", "queuedReason"
      FROM "RunnerJob"
      WHERE status = 'queued' AND "workspaceId" = ANY(${workspaceIds}::text[])
      ORDER BY "createdAt"
      LIMIT 100
      FOR UPDATE SKIP LOCKED`;
    const offers: Offer[] = [];
    const taken = new Map<string, number>();
    for (const row of rows) {
      const candidates = candidatesFor(row.workspaceId).map((c) => ({
        ...c,
        freeSlots: c.freeSlots - (taken.get(c.runnerId) ?? 0),
        excluded: row.excludedRunnerIds.includes(c.runnerId),
        declined: row.declinedRunnerIds.includes(c.runnerId),
      }));
      const pick = pickRunner(row.requirements, candidates);
      if ("runnerId" in pick) {
        taken.set(pick.runnerId, (taken.get(pick.runnerId) ?? 0) + 1);
        await tx.$executeRaw`
          UPDATE "RunnerJob" SET status = 'offered', "runnerId" = ${pick.runnerId}, attempt = attempt + 1,
            "leaseExpiresAt" = now() + (${leaseTtlMs} * interval '1 millisecond'), "queuedReason" = NULL
          WHERE id = ${row.id}`;
        offers.push({ jobId: row.id, runnerId: pick.runnerId, attempt: row.attempt + 1, spec: row.spec, timeoutMs: row.timeoutMs });
      } else if (pick.reason !== row.queuedReason) {
        await tx.$executeRaw`UPDATE "RunnerJob" SET "queuedReason" = ${pick.reason} WHERE id = ${row.id}`;
      }
    }
    return offers;
  });
}

type Changed = { id: string; status: string; runnerId: string | null };

function announce(rows: Changed[]): void {
  for (const r of rows) publishJobEvent({ type: "state", jobId: r.id, status: r.status });
}

function requeueWhere(db: Db, where: Prisma.Sql, reason: string): Promise<Changed[]> {
  return db.$queryRaw<Changed[]>`
    UPDATE "RunnerJob" SET
      status = (CASE WHEN attempt >= "maxAttempts" THEN 'failed' ELSE 'queued' END)::"RunnerJobStatus",
      error = CASE WHEN attempt >= "maxAttempts" THEN ${`Gave up: the runner was lost on every attempt (last: ${reason}).`} ELSE NULL END,
      "finishedAt" = CASE WHEN attempt >= "maxAttempts" THEN now() ELSE NULL END,
      "queuedReason" = CASE WHEN attempt >= "maxAttempts" THEN NULL ELSE ${`retrying: ${reason}`} END,
      "excludedRunnerIds" = array_append("excludedRunnerIds", "runnerId"),
      "runnerId" = NULL, "leaseExpiresAt" = NULL, "startedAt" = NULL
    WHERE status IN ('offered', 'running') AND "cancelRequestedAt" IS NULL AND ${where}
    RETURNING id, status::text AS status, "runnerId"`;
}

/**
 * Puts a runner's jobs back in the queue (or fails them after maxAttempts) because the runner was
 * lost. The retry goes to another runner when one could take it, else back to this one when it
 * returns (see pickRunner). Jobs being cancelled are left to the cancel path. `keep`: jobs the
 * runner said it still holds (see resumeRunnerJobs).
 */
export async function requeueRunnerJobs(db: Db, runnerId: string, reason: string, keep: string[] = []): Promise<Changed[]> {
  const rows = await requeueWhere(db, Prisma.sql`"runnerId" = ${runnerId} AND NOT (id = ANY(${keep}::text[]))`, reason);
  const cancelled = await db.$queryRaw<Changed[]>`
    UPDATE "RunnerJob" SET status = 'cancelled', "finishedAt" = now(), "leaseExpiresAt" = NULL, error = COALESCE(error, 'Cancelled.')
    WHERE "runnerId" = ${runnerId} AND status IN ('offered', 'running') AND "cancelRequestedAt" IS NOT NULL
    RETURNING id, status::text AS status, "runnerId"`;
  announce([...rows, ...cancelled]);
  return rows;
}

/**
 * A reconnecting runner says which jobs it still runs or finished while away (their results follow
 * `welcome`). It keeps those it still holds, and takes back those re-queued when it was lost that
 * no other runner has been offered since (status still queued, it the last runner to lose them):
 * so the work is neither thrown away nor run twice. A job another runner was offered stays there,
 * and this runner's result for it is refused, so only one result ever counts. Returns the ids it
 * holds now; the attempt number does not change.
 */
export async function resumeRunnerJobs(db: Db, runnerId: string, reported: string[], leaseTtlMs: number): Promise<string[]> {
  if (reported.length === 0) return [];
  const rows = await db.$queryRaw<{ id: string }[]>`
    UPDATE "RunnerJob" SET
      "excludedRunnerIds" = CASE WHEN status = 'queued'
        THEN "excludedRunnerIds"[1:cardinality("excludedRunnerIds") - 1] ELSE "excludedRunnerIds" END,
      status = 'running', "runnerId" = ${runnerId}, "startedAt" = COALESCE("startedAt", now()), "queuedReason" = NULL,
      "leaseExpiresAt" = now() + (${leaseTtlMs} * interval '1 millisecond')
    WHERE id = ANY(${reported}::text[]) AND "cancelRequestedAt" IS NULL AND (
      ("runnerId" = ${runnerId} AND status IN ('offered', 'running'))
      OR (status = 'queued' AND "runnerId" IS NULL AND "excludedRunnerIds"[cardinality("excludedRunnerIds")] = ${runnerId}))
    RETURNING id`;
  for (const r of rows) publishJobEvent({ type: "state", jobId: r.id, status: "running" });
  return rows.map((r) => r.id);
}

/**
 * A runner gives back a job it was offered or had accepted, because it is stopping (or, offered
 * only, because it is full). Not an attempt: the job goes back to the queue for this runner once
 * it has a slot or another runner, or ends cancelled if a cancel was asked meanwhile. Returns the
 * job's new status, or null when this runner did not hold it.
 */
export async function releaseJob(
  db: Db,
  job: { jobId: string; runnerId: string; runnerName: string },
  decline: { reason: string; forGood: boolean },
): Promise<"queued" | "cancelled" | null> {
  const { jobId, runnerId } = job;
  const cancelled = await db.$executeRaw`
    UPDATE "RunnerJob" SET status = 'cancelled', "finishedAt" = now(), "leaseExpiresAt" = NULL, error = COALESCE(error, 'Cancelled.')
    WHERE id = ${jobId} AND "runnerId" = ${runnerId} AND status IN ('offered', 'running') AND "cancelRequestedAt" IS NOT NULL`;
  if (cancelled === 1) return "cancelled";
  const declined = decline.forGood ? [runnerId] : [];
  const queued = await db.$executeRaw`
    UPDATE "RunnerJob" SET status = 'queued', "runnerId" = NULL, "leaseExpiresAt" = NULL, "startedAt" = NULL, attempt = attempt - 1,
      "declinedRunnerIds" = "declinedRunnerIds" || ${declined}::text[],
      "queuedReason" = ${`runner ${job.runnerName} declined: ${decline.reason}`}
    WHERE id = ${jobId} AND "runnerId" = ${runnerId} AND status IN ('offered', 'running') AND "cancelRequestedAt" IS NULL`;
  return queued === 1 ? "queued" : null;
}

export type SweepResult = { requeued: Changed[]; timedOut: Changed[]; expired: Changed[]; forcedCancel: Changed[] };

/** Lease expiry, run timeouts, queue timeouts and unanswered cancels. Idempotent; any instance may run it. */
export async function sweep(db: Db, log: Logger): Promise<SweepResult> {
  // Lost leases: requeue with the runner excluded (or fail after maxAttempts).
  const requeued = await requeueWhere(db, Prisma.sql`"leaseExpiresAt" < now()`, "lease expired (runner stopped answering)");

  const timedOut = await db.$queryRaw<Changed[]>`
    UPDATE "RunnerJob" SET status = 'failed', "finishedAt" = now(), "leaseExpiresAt" = NULL,
      error = 'Timed out after ' || ("timeoutMs" / 1000) || ' s of running.'
    WHERE status = 'running' AND "startedAt" + ("timeoutMs" * interval '1 millisecond') < now()
    RETURNING id, status::text AS status, "runnerId"`;

  const expired = await db.$queryRaw<Changed[]>`
    UPDATE "RunnerJob" SET status = 'failed', "finishedAt" = now(),
      error = 'No runner took this job in time: ' || COALESCE("queuedReason", 'no runner available') || '. Add or start a runner, then retry.'
    WHERE status = 'queued' AND "queueTimeoutAt" < now()
    RETURNING id, status::text AS status, "runnerId"`;

  // A runner that ignores a cancel for 15 s does not keep the job alive.
  const forcedCancel = await db.$queryRaw<Changed[]>`
    UPDATE "RunnerJob" SET status = 'cancelled', "finishedAt" = now(), "leaseExpiresAt" = NULL,
      error = COALESCE(error, 'Cancelled (the runner did not confirm).')
    WHERE status IN ('offered', 'running') AND "cancelRequestedAt" < now() - interval '15 seconds'
    RETURNING id, status::text AS status, "runnerId"`;

  announce([...requeued, ...timedOut, ...expired, ...forcedCancel]);
  const total = requeued.length + timedOut.length + expired.length + forcedCancel.length;
  if (total > 0)
    log.info(
      { requeued: requeued.length, timedOut: timedOut.length, expired: expired.length, forcedCancel: forcedCancel.length },
      "runner job sweep",
    );
  return { requeued, timedOut, expired, forcedCancel };
}
