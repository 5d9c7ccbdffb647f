import type { Db } from "@/server/db";
import { getEnv } from "@/server/env";
import { monthKey, monthStart } from "../usage/period";
import { meterStatus } from "./metering";
import { planOf, plans, planIds, stripePrices } from "./plans";
import { countResource, readOnlyReason } from "./quotas";
import type { BillingOverview } from "./schemas";

/**
 * Everything the billing page shows about the plan: limits against usage, the subscription,
 * metering. Every member sees the plan, its limits, usage and whether the workspace is read-only;
 * the subscription, payment status and metering are for those who manage billing (`account`).
 */
export async function billingOverview(
  db: Db,
  workspaceId: string,
  opts: { account: boolean } = { account: true },
  now = new Date(),
): Promise<BillingOverview> {
  const env = getEnv();
  const period = monthKey(now);
  const start = monthStart(now);
  const [workspace, counter, runners, members, projects, cloud] = await Promise.all([
    db.workspace.findUniqueOrThrow({ where: { id: workspaceId }, include: { billingAccount: true } }),
    db.usageCounter.findUnique({ where: { workspaceId_period: { workspaceId, period } } }),
    countResource(db, workspaceId, "runners"),
    countResource(db, workspaceId, "members"),
    countResource(db, workspaceId, "projects"),
    db.modelCall.aggregate({
      where: { workspaceId, provider: "openai", keySource: "system", createdAt: { gte: start } },
      _sum: { costMicros: true },
    }),
  ]);
  const plan = planOf(workspace.plan);
  const prices = stripePrices(env);
  const account = workspace.billingAccount;
  const limits = plan.limits;
  const overage = Boolean(account?.overagePriceId) && plan.overage !== null;
  return {
    mode: env.stripe ? "stripe" : "local",
    period,
    resetsOn: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)),
    plan: { id: plan.id, name: plan.name, priceCents: plan.priceCents },
    plans: planIds.map((id) => ({
      id,
      name: plans[id].name,
      priceCents: plans[id].priceCents,
      description: plans[id].description,
      highlights: plans[id].highlights,
      current: id === plan.id,
      purchasable: env.stripe && plans[id].selfServe && Boolean(prices[id]),
    })),
    readOnly: readOnlyReason(account ?? null, now),
    overage: overage ? { perTaskMicros: plan.overage!.perTaskMicros, maxTasksPerMonth: plan.overage!.maxTasksPerMonth } : null,
    account: opts.account
      ? {
          status: account?.status ?? "none",
          hasCustomer: Boolean(account?.stripeCustomerId),
          currentPeriodEnd: account?.currentPeriodEnd ?? null,
          cancelAtPeriodEnd: account?.cancelAtPeriodEnd ?? false,
          paymentFailedAt: account?.paymentFailedAt ?? null,
          graceEndsAt: account?.graceEndsAt ?? null,
          syncedAt: account?.syncedAt ?? null,
        }
      : null,
    meters: [
      {
        key: "tasksPerMonth",
        label: overage ? "Included tasks this month" : "Tasks this month",
        used: counter?.tasks ?? 0,
        limit: limits.tasksPerMonth,
        unit: "count",
      },
      // Tasks awaiting approval hold no slot (see the task_active_count trigger).
      { key: "concurrentTasks", label: "Tasks in progress", used: workspace.activeTasks, limit: limits.concurrentTasks, unit: "count" },
      { key: "runners", label: "Runners", used: runners, limit: limits.runners, unit: "count" },
      { key: "members", label: "Members and pending invitations", used: members, limit: limits.members, unit: "count" },
      { key: "projects", label: "Active projects", used: projects, limit: limits.projects, unit: "count" },
      {
        key: "cloudBudget",
        label: "Cloud models (system key)",
        used: cloud._sum.costMicros ?? 0,
        limit: limits.cloudBudgetMicros,
        unit: "micros",
      },
    ],
    metering: opts.account && env.stripe && account?.stripeCustomerId ? await meterStatus(db, workspaceId, period) : null,
  };
}
