import { createElement } from "react";
import { QuotaAlertEmail } from "@/emails/quota-alert";
import { sendEmail } from "@/emails/send";
import type { Db } from "@/server/db";
import { getEnv } from "@/server/env";
import { AppError } from "@/server/errors";
import type { Prisma } from "@/server/generated/prisma/client";
import { logger } from "@/server/logger";
import { monthKey } from "../usage/period";
import { limitLabels, planOf, type LimitName, type Plan } from "./plans";

/**
 * Plan limits, enforced where work is created. Task quotas are reserved inside the intake
 * transaction, which already holds the workspace's row lock (its task counter), so concurrent
 * submissions are counted exactly: 100 at once against 10 remaining admit 10.
 */

type Tx = Prisma.TransactionClient;

export type BillingWorkspace = { id: string; slug: string; plan: string };

const terminal = ["succeeded", "failed", "cancelled"];

export function billingUrl(slug: string): string {
  return `${getEnv().appUrl}/w/${slug}/billing`;
}

function nextMonthLabel(now: Date): string {
  const next = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
  return next.toLocaleDateString("en-US", { month: "short", day: "numeric", timeZone: "UTC" });
}

export class QuotaExceededError extends AppError {
  constructor(
    readonly limit: LimitName,
    plan: Plan,
    current: number,
    max: number,
    workspace: BillingWorkspace,
    hint: string,
  ) {
    const { noun, unit } = limitLabels[limit];
    super(
      "QUOTA_EXCEEDED",
      `${plan.name} plan ${noun} of ${max} reached (${current} ${unit}). Upgrade at ${billingUrl(workspace.slug)} or ${hint}.`,
      { details: { limit, current, max, plan: plan.id } },
    );
  }
}

/** Why a workspace is read-only (a payment failed and its grace period ended), or null. */
export function readOnlyReason(account: { status: string; graceEndsAt: Date | null } | null, now = new Date()): string | null {
  if (!account) return null;
  const overdue = account.status === "past_due" || account.status === "unpaid";
  if (!overdue) return null;
  if (account.status === "past_due" && account.graceEndsAt && account.graceEndsAt > now) return null;
  return "A payment failed and the grace period is over";
}

export class WorkspaceReadOnlyError extends AppError {
  constructor(workspace: BillingWorkspace, reason: string) {
    super(
      "QUOTA_EXCEEDED",
      `This workspace is read-only: ${reason}. Update the payment method at ${billingUrl(workspace.slug)} to continue.`,
      {
        details: { limit: "payment" },
      },
    );
  }
}

export async function assertWritable(db: Db | Tx, workspace: BillingWorkspace): Promise<void> {
  const account = await db.billingAccount.findUnique({
    where: { workspaceId: workspace.id },
    select: { status: true, graceEndsAt: true },
  });
  const reason = readOnlyReason(account);
  if (reason) throw new WorkspaceReadOnlyError(workspace, reason);
}

export type TaskReservation = { period: string; tasks: number; limit: number | null };

/**
 * Admits one more task for `workspace` or throws which limit stops it. Must run inside the intake
 * transaction after the workspace row is locked.
 */
export async function reserveTaskQuota(tx: Tx, workspace: BillingWorkspace, now = new Date()): Promise<TaskReservation> {
  const plan = planOf(workspace.plan);
  const period = monthKey(now);
  const limit = plan.limits.tasksPerMonth;
  const concurrent = plan.limits.concurrentTasks;
  // One round trip: the workspace's state, and the monthly counter raised only when every limit
  // has room. Which limit refused is worked out below from the state it returns.
  const [row] = await tx.$queryRaw<{ active: number; status: string | null; graceEndsAt: Date | null; tasks: number | null }[]>`
    WITH state AS (
      SELECT (SELECT count(*)::int FROM "Task"
               WHERE "workspaceId" = ${workspace.id} AND status::text NOT IN (${terminal[0]}, ${terminal[1]}, ${terminal[2]})) AS active,
             b.status, b."graceEndsAt"
        FROM (SELECT 1) one LEFT JOIN "BillingAccount" b ON b."workspaceId" = ${workspace.id}
    ), bumped AS (
      INSERT INTO "UsageCounter" ("workspaceId", period, tasks, "updatedAt")
      SELECT ${workspace.id}, ${period}, 1, now() FROM state
       WHERE (${concurrent}::int IS NULL OR state.active < ${concurrent}::int)
         AND NOT (coalesce(state.status, '') = 'unpaid'
                  OR (coalesce(state.status, '') = 'past_due' AND (state."graceEndsAt" IS NULL OR state."graceEndsAt" <= ${now})))
      ON CONFLICT ("workspaceId", period) DO UPDATE SET tasks = "UsageCounter".tasks + 1, "updatedAt" = now()
       WHERE ${limit}::int IS NULL OR "UsageCounter".tasks < ${limit}::int
      RETURNING tasks
    )
    SELECT state.active, state.status, state."graceEndsAt", (SELECT tasks FROM bumped) AS tasks FROM state`;
  if (row?.tasks != null && (limit === null || row.tasks <= limit)) return { period, tasks: row.tasks, limit };
  const reason = readOnlyReason(row?.status ? { status: row.status, graceEndsAt: row.graceEndsAt } : null, now);
  if (reason) throw new WorkspaceReadOnlyError(workspace, reason);
  const active = row?.active ?? 0;
  if (concurrent !== null && active >= concurrent) {
    throw new QuotaExceededError("concurrentTasks", plan, active, concurrent, workspace, "wait for a running task to finish");
  }
  throw new QuotaExceededError("tasksPerMonth", plan, limit ?? 0, limit ?? 0, workspace, `wait until ${nextMonthLabel(now)}`);
}

/** Emails owners once per period when the monthly task quota passes 80% and when it is used up. */
export async function alertTaskQuota(db: Db, workspace: BillingWorkspace & { name?: string }, r: TaskReservation): Promise<void> {
  if (r.limit === null || r.limit === 0) return;
  const level = r.tasks >= r.limit ? 100 : r.tasks >= Math.ceil(r.limit * 0.8) ? 80 : null;
  if (!level) return;
  const claimed = await db.usageCounter.updateMany({
    where: { workspaceId: workspace.id, period: r.period, ...(level === 100 ? { alerted100At: null } : { alerted80At: null }) },
    data: level === 100 ? { alerted100At: new Date() } : { alerted80At: new Date() },
  });
  if (claimed.count === 0) return;
  try {
    const ws = await db.workspace.findUniqueOrThrow({ where: { id: workspace.id }, select: { name: true } });
    const owners = await ownerEmails(db, workspace.id);
    const plan = planOf(workspace.plan);
    for (const to of owners) {
      await sendEmail({
        to,
        kind: `quota-${level}`,
        subject: level === 100 ? `Jace: ${ws.name} used all ${r.limit} tasks this month` : `Jace: ${ws.name} used 80% of its monthly tasks`,
        react: createElement(QuotaAlertEmail, {
          workspaceName: ws.name,
          planName: plan.name,
          used: r.tasks,
          limit: r.limit,
          level,
          resetsOn: nextMonthLabel(new Date()),
          url: billingUrl(workspace.slug),
        }),
      });
    }
  } catch (err) {
    logger.warn({ err, workspaceId: workspace.id }, "quota alert failed");
  }
}

export async function ownerEmails(db: Db, workspaceId: string): Promise<string[]> {
  const owners = await db.membership.findMany({ where: { workspaceId, role: "owner" }, include: { user: { select: { email: true } } } });
  return owners.map((o) => o.user.email).filter(Boolean);
}

/** How many of each countable resource the workspace has now (what the plan limits). */
export async function countResource(db: Db | Tx, workspaceId: string, limit: "runners" | "members" | "projects"): Promise<number> {
  if (limit === "runners") return db.runner.count({ where: { workspaceId, revokedAt: null } });
  if (limit === "projects") return db.project.count({ where: { workspaceId, archivedAt: null } });
  const [members, pending] = await Promise.all([
    db.membership.count({ where: { workspaceId } }),
    db.invitation.count({ where: { workspaceId, acceptedAt: null, revokedAt: null, expiresAt: { gt: new Date() } } }),
  ]);
  return members + pending;
}

const addHints: Record<"runners" | "members" | "projects", string> = {
  runners: "revoke a runner you no longer use",
  members: "remove a member or withdraw a pending invitation",
  projects: "archive a project you no longer use",
};

/**
 * Refuses to add one more runner, member or project beyond the plan. Existing ones beyond a
 * lower plan's limit (after a downgrade) are kept; only new ones are blocked.
 */
export async function assertCanAdd(db: Db | Tx, workspaceId: string, limit: "runners" | "members" | "projects"): Promise<void> {
  // Locks the workspace row (as intake does), so two additions at once cannot both take the last seat.
  const [workspace] = await db.$queryRaw<BillingWorkspace[]>`SELECT id, slug, plan FROM "Workspace" WHERE id = ${workspaceId} FOR UPDATE`;
  if (!workspace) throw new AppError("NOT_FOUND", "Workspace not found.");
  await assertWritable(db, workspace);
  const plan = planOf(workspace.plan);
  const max = plan.limits[limit];
  if (max === null) return;
  const current = await countResource(db, workspaceId, limit);
  if (current >= max) throw new QuotaExceededError(limit, plan, current, max, workspace, addHints[limit]);
}
