import type { z } from "zod";
import type { Db } from "@/server/db";
import { AppError } from "@/server/errors";
import { Prisma, type Budget } from "@/server/generated/prisma/client";
import { recordAudit, type Actor } from "../audit/record";
import { monthStart } from "./period";
import { MAX_BUDGET_MICROS, type BudgetOutput, type upsertBudgetInput } from "./schemas";

/**
 * Monthly limits on cloud (OpenAI) spend, for the workspace and per project. The model router
 * (server/llm/budgets.ts) reserves and settles against them and rolls their period; this module
 * lets owners set them and shows where each one stands this UTC month.
 */

type Tx = Prisma.TransactionClient;

const usd = (micros: number) => `$${(micros / 1e6).toFixed(2)}`;

function toOutput(b: Budget, name: string, now: Date): BudgetOutput {
  // A period the router has not rolled yet (no cloud call this month) has spent nothing so far.
  const spent = b.periodStart < monthStart(now) ? 0 : b.spentMicros;
  const state = spent >= b.monthlyLimitMicros ? "exceeded" : spent * 100 >= b.monthlyLimitMicros * b.softThresholdPct ? "warning" : "ok";
  return {
    id: b.id,
    scope: b.scope === "workspace" ? "workspace" : "project",
    projectId: b.projectId,
    name,
    monthlyLimitMicros: b.monthlyLimitMicros,
    softThresholdPct: b.softThresholdPct,
    hardLimit: b.hardLimit,
    periodStart: monthStart(now),
    spentMicros: spent,
    reservedMicros: b.reservedMicros,
    state,
    updatedAt: b.updatedAt,
  };
}

async function projectNames(db: Db | Tx, workspaceId: string, ids: string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db.project.findMany({ where: { workspaceId, id: { in: ids } }, select: { id: true, name: true } });
  return new Map(rows.map((p) => [p.id, p.name]));
}

/** The workspace budget first, then project budgets by name. */
export async function listBudgets(db: Db, workspaceId: string, now = new Date()): Promise<BudgetOutput[]> {
  // The plan's included allowance is shown with the plan (billing), not as a budget people edit.
  const rows = await db.budget.findMany({ where: { workspaceId, scope: { not: "plan" } } });
  const names = await projectNames(
    db,
    workspaceId,
    rows.flatMap((b) => (b.projectId ? [b.projectId] : [])),
  );
  return rows
    .map((b) => toOutput(b, b.projectId ? (names.get(b.projectId) ?? "Deleted project") : "Workspace", now))
    .sort((a, b) => (a.scope === b.scope ? a.name.localeCompare(b.name) : a.scope === "workspace" ? -1 : 1));
}

/** Cloud spend already in the ledger this month, so a budget created mid-month starts from the truth. */
async function cloudSpentThisMonth(tx: Tx, workspaceId: string, projectId: string | null, now: Date): Promise<number> {
  const sum = await tx.modelCall.aggregate({
    _sum: { costMicros: true },
    where: { workspaceId, provider: { not: "runner" }, createdAt: { gte: monthStart(now) }, ...(projectId ? { projectId } : {}) },
  });
  return Math.min(Number(sum._sum.costMicros ?? 0), MAX_BUDGET_MICROS);
}

export async function upsertBudget(
  db: Db,
  workspaceId: string,
  actor: Actor,
  ip: string | null,
  input: z.infer<typeof upsertBudgetInput>,
  now = new Date(),
): Promise<BudgetOutput> {
  let name = "Workspace";
  if (input.projectId) {
    const project = await db.project.findFirst({ where: { id: input.projectId, workspaceId }, select: { name: true } });
    if (!project) throw new AppError("NOT_FOUND", "Project not found in this workspace.");
    name = project.name;
  }
  const scope = input.projectId ?? "workspace";
  const settings = { monthlyLimitMicros: input.monthlyLimitMicros, softThresholdPct: input.softThresholdPct, hardLimit: input.hardLimit };
  const audited = { name, limit: usd(input.monthlyLimitMicros), softThresholdPct: input.softThresholdPct, hardLimit: input.hardLimit };
  try {
    return await db.$transaction(async (tx) => {
      const existing = await tx.budget.findUnique({ where: { workspaceId_scope: { workspaceId, scope } } });
      if (!existing) {
        const created = await tx.budget.create({
          data: {
            workspaceId,
            scope,
            projectId: input.projectId,
            ...settings,
            periodStart: monthStart(now),
            spentMicros: await cloudSpentThisMonth(tx, workspaceId, input.projectId, now),
          },
        });
        await recordAudit(tx, workspaceId, actor, ip, {
          action: "budget.created",
          targetType: "budget",
          targetId: created.id,
          metadata: audited,
        });
        return toOutput(created, name, now);
      }
      // Raising a limit past what is spent re-arms its alert, so owners hear about the new line too.
      const spent = existing.periodStart < monthStart(now) ? 0 : existing.spentMicros;
      const updated = await tx.budget.update({
        where: { id: existing.id },
        data: {
          ...settings,
          ...(spent < input.monthlyLimitMicros ? { hardAlertedAt: null } : {}),
          ...(spent * 100 < input.monthlyLimitMicros * input.softThresholdPct ? { softAlertedAt: null } : {}),
        },
      });
      const changed = (["monthlyLimitMicros", "softThresholdPct", "hardLimit"] as const).filter((k) => existing[k] !== input[k]);
      await recordAudit(tx, workspaceId, actor, ip, {
        action: "budget.updated",
        targetType: "budget",
        targetId: updated.id,
        metadata: {
          // With a limit change, from -> to says it; repeating the new limit would only add noise.
          ...(changed.includes("monthlyLimitMicros")
            ? { name, softThresholdPct: input.softThresholdPct, hardLimit: input.hardLimit }
            : audited),
          changed: [...changed],
          ...(changed.includes("monthlyLimitMicros") ? { from: usd(existing.monthlyLimitMicros), to: usd(input.monthlyLimitMicros) } : {}),
        },
      });
      return toOutput(updated, name, now);
    });
  } catch (error) {
    // Two owners creating the same budget at once: the second one is told, not shown a 500.
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") {
      throw new AppError("CONFLICT", `A budget for ${name === "Workspace" ? "the workspace" : name} was just created. Reload and edit it.`);
    }
    throw error;
  }
}

export async function deleteBudget(db: Db, workspaceId: string, actor: Actor, ip: string | null, budgetId: string): Promise<void> {
  await db.$transaction(async (tx) => {
    const budget = await tx.budget.findFirst({ where: { id: budgetId, workspaceId } });
    if (!budget) throw new AppError("NOT_FOUND", "Budget not found in this workspace. It may have been deleted already.");
    if (budget.scope === "plan") {
      throw new AppError(
        "BAD_REQUEST",
        "The plan's included cloud allowance is not a budget you can delete: it follows the plan. Change the plan on the billing page, or add a workspace budget to spend less.",
      );
    }
    const names = await projectNames(tx, workspaceId, budget.projectId ? [budget.projectId] : []);
    await tx.budget.delete({ where: { id: budget.id } });
    await recordAudit(tx, workspaceId, actor, ip, {
      action: "budget.deleted",
      targetType: "budget",
      targetId: budget.id,
      metadata: {
        name: budget.projectId ? (names.get(budget.projectId) ?? "Deleted project") : "Workspace",
        limit: usd(budget.monthlyLimitMicros),
      },
    });
  });
}
