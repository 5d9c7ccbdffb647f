import { capabilities as capabilitiesSchema, type Capabilities } from "@jace/gpu-runner/protocol";
import { z } from "zod";
import type { Db } from "@/server/db";
import { AppError } from "@/server/errors";
import { publishControl } from "@/server/runners/bus";
import { recordAudit, type UserActor } from "../audit/record";

export const runnerLabel = z
  .string()
  .trim()
  .toLowerCase()
  .min(1)
  .max(50)
  .regex(/^[a-z0-9][a-z0-9._-]*$/, "Labels use lowercase letters, digits, dots, dashes and underscores.");
export const runnerName = z.string().trim().min(1, "Name the runner.").max(80, "Keep the name to 80 characters or fewer.");

const jobSummary = z.object({
  id: z.string(),
  kind: z.string(),
  status: z.string(),
  attempt: z.number(),
  queuedReason: z.string().nullable(),
  error: z.string().nullable(),
  createdAt: z.date(),
  startedAt: z.date().nullable(),
  finishedAt: z.date().nullable(),
  runnerId: z.string().nullable(),
  maxAttempts: z.number(),
  cancelRequestedAt: z.date().nullable(),
  /** The model an inference job asked for. */
  model: z.string().nullable(),
});

export const runnerOutput = z.object({
  id: z.string(),
  name: z.string(),
  labels: z.array(z.string()),
  /** draining: connected but stopping (finishing its jobs, taking no new ones). */
  status: z.enum(["online", "busy", "draining", "offline", "revoked"]),
  lastSeenAt: z.date().nullable(),
  connectedAt: z.date().nullable(),
  revokedAt: z.date().nullable(),
  createdAt: z.date(),
  capabilities: capabilitiesSchema.nullable(),
  currentJobs: z.array(jobSummary),
});

export const runnerDetailOutput = runnerOutput.extend({ recentJobs: z.array(jobSummary) });

export { jobSummary };

type RunnerRow = Awaited<ReturnType<Db["runner"]["findMany"]>>[number];

function present(r: RunnerRow, currentJobs: z.infer<typeof jobSummary>[]): z.infer<typeof runnerOutput> {
  const caps = capabilitiesSchema.safeParse(r.capabilities);
  const status = r.revokedAt ? "revoked" : ["online", "busy", "draining"].includes(r.status) ? r.status : "offline";
  return {
    id: r.id,
    name: r.name,
    labels: r.labels,
    status: status as z.infer<typeof runnerOutput>["status"],
    lastSeenAt: r.lastSeenAt,
    connectedAt: r.connectedAt,
    revokedAt: r.revokedAt,
    createdAt: r.createdAt,
    capabilities: caps.success ? (caps.data as Capabilities) : null,
    currentJobs,
  };
}

const jobSelect = {
  id: true,
  kind: true,
  status: true,
  attempt: true,
  maxAttempts: true,
  queuedReason: true,
  error: true,
  createdAt: true,
  startedAt: true,
  finishedAt: true,
  runnerId: true,
  cancelRequestedAt: true,
  requirements: true,
} as const;

type JobRow = { requirements: unknown } & Omit<z.infer<typeof jobSummary>, "model">;

function presentJob({ requirements, ...job }: JobRow): z.infer<typeof jobSummary> {
  const model = (requirements as { model?: unknown } | null)?.model;
  return { ...job, model: typeof model === "string" ? model : null };
}

export async function listRunners(db: Db, workspaceId: string, opts: { includeRevoked: boolean }) {
  const runners = await db.runner.findMany({
    where: { workspaceId, ...(opts.includeRevoked ? {} : { revokedAt: null }) },
    orderBy: [{ revokedAt: { sort: "asc", nulls: "first" } }, { name: "asc" }],
  });
  const jobs = (
    await db.runnerJob.findMany({
      where: { workspaceId, runnerId: { in: runners.map((r) => r.id) }, status: { in: ["offered", "running"] } },
      select: jobSelect,
    })
  ).map(presentJob);
  return runners.map((r) =>
    present(
      r,
      jobs.filter((j) => j.runnerId === r.id),
    ),
  );
}

export async function getRunner(db: Db, workspaceId: string, runnerId: string) {
  const runner = await db.runner.findFirst({ where: { id: runnerId, workspaceId } });
  if (!runner) throw new AppError("NOT_FOUND", "Runner not found in this workspace.");
  const recentJobs = (
    await db.runnerJob.findMany({ where: { workspaceId, runnerId }, orderBy: { createdAt: "desc" }, take: 25, select: jobSelect })
  ).map(presentJob);
  return {
    ...present(
      runner,
      recentJobs.filter((j) => j.status === "offered" || j.status === "running"),
    ),
    recentJobs,
  };
}

export async function listRunnerJobs(db: Db, workspaceId: string, opts: { status?: string; limit: number }) {
  const rows = await db.runnerJob.findMany({
    where: { workspaceId, ...(opts.status ? { status: opts.status as "queued" } : {}) },
    orderBy: { createdAt: "desc" },
    take: opts.limit,
    select: jobSelect,
  });
  return rows.map(presentJob);
}

async function findRunner(db: Db, workspaceId: string, runnerId: string) {
  const runner = await db.runner.findFirst({ where: { id: runnerId, workspaceId } });
  if (!runner) throw new AppError("NOT_FOUND", "Runner not found in this workspace.");
  return runner;
}

export async function updateRunner(
  db: Db,
  workspaceId: string,
  actor: UserActor,
  ip: string | null,
  runnerId: string,
  change: { name?: string; labels?: string[] },
) {
  await db.$transaction(async (tx) => {
    const before = await tx.runner.findFirst({ where: { id: runnerId, workspaceId } });
    if (!before) throw new AppError("NOT_FOUND", "Runner not found in this workspace.");
    await tx.runner.update({
      where: { id: runnerId },
      data: { ...(change.name ? { name: change.name } : {}), ...(change.labels ? { labels: change.labels } : {}) },
    });
    await recordAudit(tx, workspaceId, actor, ip, {
      action: change.name ? "runner.renamed" : "runner.relabeled",
      targetType: "runner",
      targetId: runnerId,
      metadata: change.name ? { from: before.name, to: change.name } : { from: before.labels, to: change.labels ?? [] },
    });
  });
  if (change.labels) await publishControl({ type: "relabel", runnerId, labels: change.labels });
}

/** Revokes a runner: it can never connect again, and its open socket is closed at once. */
export async function revokeRunner(db: Db, workspaceId: string, actor: UserActor, ip: string | null, runnerId: string): Promise<void> {
  const runner = await findRunner(db, workspaceId, runnerId);
  if (runner.revokedAt) return;
  await db.$transaction(async (tx) => {
    await tx.runner.update({ where: { id: runnerId }, data: { revokedAt: new Date(), status: "offline" } });
    await recordAudit(tx, workspaceId, actor, ip, {
      action: "runner.revoked",
      targetType: "runner",
      targetId: runnerId,
      metadata: { name: runner.name },
    });
  });
  await publishControl({ type: "revoke", runnerId });
}

export async function enrollmentStatus(db: Db, workspaceId: string, tokenId: string) {
  const row = await db.runnerEnrollmentToken.findFirst({ where: { id: tokenId, workspaceId } });
  if (!row) throw new AppError("NOT_FOUND", "Enrollment token not found.");
  const runner = row.runnerId ? await db.runner.findUnique({ where: { id: row.runnerId } }) : null;
  return {
    expiresAt: row.expiresAt,
    expired: !row.usedAt && row.expiresAt < new Date(),
    runner: runner ? { id: runner.id, name: runner.name, status: runner.revokedAt ? "revoked" : runner.status } : null,
  };
}
