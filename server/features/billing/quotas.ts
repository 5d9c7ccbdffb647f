import { createElement } from "react";
import { QuotaAlertEmail } from "@/emails/quota-alert";
import { sendEmail } from "@/emails/send";
import type { Db } from "@/server/db";
import { getEnv } from "@/server/env";
import { AppError } from "@/server/errors";
import type { Prisma } from "@/server/generated/prisma/client";
import { logger } from "@/server/logger";
import { limitLabels, monthlyTaskCap, planOf, plans, type LimitName, type Plan } from "./plans";

/**
 * Plan limits, enforced where work is created. Task quotas are reserved by the intake statement
 * (server/features/tasks/intake.ts) while it holds the workspace's row lock, so concurrent
 * submissions are counted exactly: 100 at once against 10 remaining admit 10.
 */

type Tx = Prisma.TransactionClient;

export type BillingWorkspace = { id: string; slug: string; plan: string };

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
  constructor(workspace: { slug: string }, reason: string) {
    super(
      "QUOTA_EXCEEDED",
      `This workspace is read-only: ${reason}. Update the payment method at ${billingUrl(workspace.slug)} to continue.`,
      {
        details: { limit: "payment" },
      },
    );
  }
}

/** Throws WorkspaceReadOnlyError when a failed payment's grace period is over (Slack buttons, REST, invitations). */
export async function assertWritable(db: Db | Tx, workspace: { id: string; slug: string }): Promise<void> {
  const account = await db.billingAccount.findUnique({
    where: { workspaceId: workspace.id },
    select: { status: true, graceEndsAt: true },
  });
  const reason = readOnlyReason(account);
  if (reason) throw new WorkspaceReadOnlyError(workspace, reason);
}

/** What intake admitted: the month's task count after this task, its included tasks and cap. */
export type TaskReservation = { period: string; tasks: number; included: number | null; cap: number | null; overage: boolean };

/**
 * Every plan's task limits as one JSON parameter for the intake statement, which learns the
 * workspace's plan only when it locks the workspace row. `cap` applies without overage billing,
 * `overageCap` with it.
 */
export const taskLimitsParam = JSON.stringify(
  Object.fromEntries(
    Object.values(plans).map((p) => [
      p.id,
      {
        concurrent: p.limits.concurrentTasks,
        included: p.limits.tasksPerMonth,
        cap: monthlyTaskCap(p, false),
        overageCap: monthlyTaskCap(p, true),
      },
    ]),
  ),
);

export function concurrentLimitError(workspace: BillingWorkspace, active: number): QuotaExceededError {
  const plan = planOf(workspace.plan);
  return new QuotaExceededError(
    "concurrentTasks",
    plan,
    active,
    plan.limits.concurrentTasks ?? 0,
    workspace,
    "wait for a running task to finish",
  );
}

/** The refusal of one more task this month, with the month's real count. */
export function monthlyLimitError(workspace: BillingWorkspace, current: number, overage: boolean, now = new Date()): QuotaExceededError {
  const plan = planOf(workspace.plan);
  const cap = monthlyTaskCap(plan, overage) ?? 0;
  return new QuotaExceededError("tasksPerMonth", plan, current, cap, workspace, `wait until ${nextMonthLabel(now)}`);
}

/** Emails owners once per period when the monthly task quota passes 80% and when it is used up. */
export async function alertTaskQuota(db: Db, workspace: BillingWorkspace & { name?: string }, r: TaskReservation): Promise<void> {
  if (r.included === null || r.included === 0) return;
  const level = r.tasks >= r.included ? 100 : r.tasks >= Math.ceil(r.included * 0.8) ? 80 : null;
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
        subject:
          level === 100 ? `Jace: ${ws.name} used all ${r.included} tasks this month` : `Jace: ${ws.name} used 80% of its monthly tasks`,
        react: createElement(QuotaAlertEmail, {
          workspaceName: ws.name,
          planName: plan.name,
          used: r.tasks,
          limit: r.included,
          overage:
            r.overage && plan.overage
              ? { perTask: `$${(plan.overage.perTaskMicros / 1e6).toFixed(2)}`, cap: plan.overage.maxTasksPerMonth }
              : undefined,
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
export async function countResource(
  db: Db | Tx,
  workspaceId: string,
  limit: "runners" | "members" | "projects",
  opts: AddOptions = {},
): Promise<number> {
  if (limit === "runners") return db.runner.count({ where: { workspaceId, revokedAt: null } });
  if (limit === "projects") return db.project.count({ where: { workspaceId, archivedAt: null } });
  const [members, pending] = await Promise.all([
    db.membership.count({ where: { workspaceId } }),
    db.invitation.count({
      where: {
        workspaceId,
        acceptedAt: null,
        revokedAt: null,
        expiresAt: { gt: new Date() },
        ...(opts.acceptingInvitationId ? { id: { not: opts.acceptingInvitationId } } : {}),
      },
    }),
  ]);
  return members + pending;
}

const addHints: Record<"runners" | "members" | "projects", string> = {
  runners: "revoke a runner you no longer use",
  members: "remove a member or withdraw a pending invitation",
  projects: "archive a project you no longer use",
};

/** `acceptingInvitationId`: the pending invitation that becomes the new member (its seat is the one being taken). */
export type AddOptions = { acceptingInvitationId?: string };

/**
 * Refuses to add one more runner, member or project beyond the plan. Existing ones beyond a
 * lower plan's limit (after a downgrade) are kept; only new ones are blocked.
 */
export async function assertCanAdd(
  db: Db | Tx,
  workspaceId: string,
  limit: "runners" | "members" | "projects",
  opts: AddOptions = {},
): Promise<void> {
  // Locks the workspace row (as intake does), so two additions at once cannot both take the last seat.
  const [workspace] = await db.$queryRaw<BillingWorkspace[]>`SELECT id, slug, plan FROM "Workspace" WHERE id = ${workspaceId} FOR UPDATE`;
  if (!workspace) throw new AppError("NOT_FOUND", "Workspace not found.");
  await assertWritable(db, workspace);
  const plan = planOf(workspace.plan);
  const max = plan.limits[limit];
  if (max === null) return;
  const current = await countResource(db, workspaceId, limit, opts);
  if (current >= max) throw new QuotaExceededError(limit, plan, current, max, workspace, addHints[limit]);
}
