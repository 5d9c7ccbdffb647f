import type { Db } from "@/server/db";
import { resolvePricing, type Pricing } from "@/server/llm/pricing";
import { DAY_MS, monthsBetween, resolveMonth } from "./period";
import type { UsageSummary } from "./schemas";

/**
 * A month of the cost ledger (ModelCall), priced with the workspace's pricing:
 *   C = U_api x R_api + U_llm x R_llm + H_gpu x R_gpu + M_base.
 * Cloud calls count at what the ledger says they cost; local calls are valued at today's energy
 * price and GPU-hour rates, so every figure on the page (split, charts, savings) uses one formula.
 */

/** Below this many tasks quartiles mean little; the top 5 are shown instead of outliers. */
const MIN_TASKS_FOR_OUTLIERS = 8;
const TOP_TASKS = 5;
const MAX_OUTLIERS = 10;
/** The forecast's spending rate comes from at most this many trailing days... */
export const FORECAST_WINDOW_DAYS = 14;
/** ...and needs at least this much data: a workspace created an hour ago gets no forecast. */
export const MIN_FORECAST_DAYS = 1;

type Group = {
  day: string;
  provider: string;
  model: string;
  projectId: string | null;
  runnerId: string | null;
  calls: number;
  succeeded: number;
  fallbacks: number;
  prompt: number;
  completion: number;
  cost: number;
  baseline: number;
  gpuSeconds: number;
};

const isLocal = (provider: string) => provider === "runner";

/**
 * Energy and GPU time of a group of local calls, unrounded. Failed local calls cost no energy: the
 * router records them when no runner could take the call, so most never ran anywhere.
 */
function localCost(pricing: Pricing, g: Group): { energy: number; gpu: number } {
  if (!isLocal(g.provider)) return { energy: 0, gpu: 0 };
  const hourly = (g.runnerId ? pricing.runnerHourly[g.runnerId] : undefined) ?? pricing.gpuHourMicros;
  return { energy: g.succeeded * pricing.localEnergyPerCallMicros, gpu: (g.gpuSeconds / 3600) * hourly };
}

function groupCost(pricing: Pricing, g: Group): number {
  const { energy, gpu } = localCost(pricing, g);
  return isLocal(g.provider) ? energy + gpu : g.cost;
}

/** Linear-interpolated quantile (the spreadsheet PERCENTILE.INC) of sorted values. */
export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

type TaskCost = { taskId: string; calls: number; cost: number };

/** Tasks above p75 + 1.5 x IQR are outliers; with few tasks, or none above it, the top 5 by cost. */
export function pickExpensiveTasks(tasks: TaskCost[]): {
  method: "iqr" | "top";
  thresholdMicros: number | null;
  picked: (TaskCost & { outlier: boolean })[];
} {
  const byCost = [...tasks].sort((a, b) => b.cost - a.cost);
  const top = byCost
    .filter((t) => t.cost > 0)
    .slice(0, TOP_TASKS)
    .map((t) => ({ ...t, outlier: false }));
  if (tasks.length < MIN_TASKS_FOR_OUTLIERS) return { method: "top", thresholdMicros: null, picked: top };
  const sorted = tasks.map((t) => t.cost).sort((a, b) => a - b);
  const q1 = quantile(sorted, 0.25);
  const q3 = quantile(sorted, 0.75);
  const threshold = q3 + 1.5 * (q3 - q1);
  const outliers = byCost.filter((t) => t.cost > threshold).slice(0, MAX_OUTLIERS);
  return {
    method: "iqr",
    thresholdMicros: Math.round(threshold),
    picked: outliers.length > 0 ? outliers.map((t) => ({ ...t, outlier: true })) : top,
  };
}

async function ledgerGroups(db: Db, workspaceId: string, start: Date, end: Date): Promise<Group[]> {
  // Sums are float8: a month of int costs can pass 2^31, and float8 is exact far beyond that.
  return db.$queryRaw<Group[]>`
    SELECT to_char("createdAt", 'YYYY-MM-DD') AS day, provider, model, "projectId", "runnerId",
           count(*)::int AS calls,
           (count(*) FILTER (WHERE status = 'succeeded'))::int AS succeeded,
           (count(*) FILTER (WHERE "fallbackReason" IS NOT NULL))::int AS fallbacks,
           coalesce(sum("promptTokens"), 0)::float8 AS prompt,
           coalesce(sum("completionTokens"), 0)::float8 AS completion,
           coalesce(sum("costMicros"), 0)::float8 AS cost,
           coalesce(sum("baselineMicros"), 0)::float8 AS baseline,
           coalesce(sum("gpuSeconds"), 0)::float8 AS "gpuSeconds"
      FROM "ModelCall"
     WHERE "workspaceId" = ${workspaceId} AND "createdAt" >= ${start} AND "createdAt" < ${end}
     GROUP BY 1, 2, 3, 4, 5`;
}

async function taskCosts(db: Db, workspaceId: string, start: Date, end: Date): Promise<TaskCost[]> {
  return db.$queryRaw<TaskCost[]>`
    SELECT "taskId", count(*)::int AS calls, coalesce(sum("costMicros"), 0)::float8 AS cost
      FROM "ModelCall"
     WHERE "workspaceId" = ${workspaceId} AND "createdAt" >= ${start} AND "createdAt" < ${end} AND "taskId" IS NOT NULL
     GROUP BY 1`;
}

function sumBy<K>(groups: Group[], key: (g: Group) => K) {
  const out = new Map<K, { calls: number; localCalls: number; tokens: number; cost: number; groups: Group[] }>();
  for (const g of groups) {
    const k = key(g);
    const acc = out.get(k) ?? { calls: 0, localCalls: 0, tokens: 0, cost: 0, groups: [] };
    acc.calls += g.calls;
    acc.localCalls += isLocal(g.provider) ? g.calls : 0;
    acc.tokens += g.prompt + g.completion;
    acc.groups.push(g);
    out.set(k, acc);
  }
  return out;
}

/**
 * The month's total if spending goes on at the rate of the trailing days the workspace has data
 * for (since it was created or first used, at most FORECAST_WINDOW_DAYS): what it spent this month
 * plus that rate over the days left, plus the base fee. How sure it is grows with those days.
 */
export function forecastMonth(input: {
  now: Date;
  periodEnd: Date;
  dataSince: Date;
  spentMicros: number;
  windowMicros: number;
  baseFeeMicros: number;
  daysInMonth: number;
}): UsageSummary["forecast"] {
  const basisDays = Math.min(FORECAST_WINDOW_DAYS, Math.max(0, input.now.getTime() - input.dataSince.getTime()) / DAY_MS);
  if (basisDays < MIN_FORECAST_DAYS) return null;
  const daysLeft = Math.max(0, input.periodEnd.getTime() - input.now.getTime()) / DAY_MS;
  return {
    method: "linear",
    totalMicros: Math.round(input.spentMicros + (input.windowMicros / basisDays) * daysLeft) + input.baseFeeMicros,
    basisDays: Math.round(basisDays * 10) / 10,
    daysInMonth: input.daysInMonth,
    confidence: basisDays < 3 ? "rough" : basisDays < 7 ? "fair" : "good",
  };
}

/** What the workspace's calls in [start, end) cost, priced as the page prices them. */
async function variableCost(db: Db, pricing: Pricing, workspaceId: string, start: Date, end: Date): Promise<number> {
  const groups = await ledgerGroups(db, workspaceId, start, end);
  return groups.reduce((n, g) => n + groupCost(pricing, g), 0);
}

export async function usageSummary(db: Db, workspaceId: string, input: { month?: string }, now = new Date()): Promise<UsageSummary> {
  const period = resolveMonth(input.month, now);
  const workspace = await db.workspace.findUniqueOrThrow({ where: { id: workspaceId }, select: { llmSettings: true, createdAt: true } });
  const pricing = resolvePricing((workspace.llmSettings as { pricing?: unknown } | null)?.pricing);
  const [groups, tasks, first] = await Promise.all([
    ledgerGroups(db, workspaceId, period.start, period.end),
    taskCosts(db, workspaceId, period.start, period.end),
    db.modelCall.findFirst({ where: { workspaceId }, orderBy: { createdAt: "asc" }, select: { createdAt: true } }),
  ]);

  let cloud = 0;
  let energy = 0;
  let gpu = 0;
  let baseline = 0;
  let gpuSeconds = 0;
  const calls = { total: 0, local: 0, localSucceeded: 0, cloud: 0, failed: 0, fallbacks: 0 };
  const tokens = { prompt: 0, completion: 0 };
  let succeeded = 0;
  for (const g of groups) {
    const local = localCost(pricing, g);
    if (isLocal(g.provider)) {
      energy += local.energy;
      gpu += local.gpu;
      gpuSeconds += g.gpuSeconds;
      calls.local += g.calls;
      calls.localSucceeded += g.succeeded;
    } else {
      cloud += g.cost;
      calls.cloud += g.calls;
    }
    baseline += g.baseline;
    calls.total += g.calls;
    calls.failed += g.calls - g.succeeded;
    calls.fallbacks += g.fallbacks;
    succeeded += g.succeeded;
    tokens.prompt += g.prompt;
    tokens.completion += g.completion;
  }

  const cost = {
    cloudMicros: Math.round(cloud),
    localEnergyMicros: Math.round(energy),
    gpuMicros: Math.round(gpu),
    baseFeeMicros: pricing.baseFeeMicros,
    totalMicros: 0,
  };
  const variable = cost.cloudMicros + cost.localEnergyMicros + cost.gpuMicros;
  cost.totalMicros = variable + cost.baseFeeMicros;

  const daysInMonth = Math.round((period.end.getTime() - period.start.getTime()) / DAY_MS);
  // Data exists from the workspace's creation (or an earlier ledger entry, as imported or seeded ones).
  const dataSince = new Date(Math.min(workspace.createdAt.getTime(), first?.createdAt.getTime() ?? Infinity));
  const dataDays = Math.max(0, now.getTime() - dataSince.getTime()) / DAY_MS;
  let forecast: UsageSummary["forecast"] = null;
  if (period.current && dataDays >= MIN_FORECAST_DAYS) {
    const windowStart = new Date(Math.max(dataSince.getTime(), now.getTime() - FORECAST_WINDOW_DAYS * DAY_MS));
    forecast = forecastMonth({
      now,
      periodEnd: period.end,
      dataSince,
      spentMicros: variable,
      windowMicros: await variableCost(db, pricing, workspaceId, windowStart, now),
      baseFeeMicros: cost.baseFeeMicros,
      daysInMonth,
    });
  }
  // Whole days so far, today included: on the 1st the month's spend is one day's.
  const daysElapsed = period.current ? Math.floor((now.getTime() - period.start.getTime()) / DAY_MS) + 1 : daysInMonth;

  const days = new Map<string, { localMicros: number; cloudMicros: number; calls: number; tokens: number }>();
  for (let d = 0; d < daysElapsed; d++) {
    days.set(new Date(period.start.getTime() + d * DAY_MS).toISOString().slice(0, 10), {
      localMicros: 0,
      cloudMicros: 0,
      calls: 0,
      tokens: 0,
    });
  }
  for (const g of groups) {
    const day = days.get(g.day) ?? { localMicros: 0, cloudMicros: 0, calls: 0, tokens: 0 };
    if (isLocal(g.provider)) day.localMicros += groupCost(pricing, g);
    else day.cloudMicros += g.cost;
    day.calls += g.calls;
    day.tokens += g.prompt + g.completion;
    days.set(g.day, day);
  }

  const byModel = [...sumBy(groups, (g) => `${g.provider}\u0000${g.model}`)].map(([key, v]) => {
    const [provider, model] = key.split("\u0000") as [string, string];
    return {
      provider,
      model,
      calls: v.calls,
      tokens: v.tokens,
      costMicros: Math.round(v.groups.reduce((n, g) => n + groupCost(pricing, g), 0)),
    };
  });

  const projectTotals = sumBy(groups, (g) => g.projectId);
  const projectIds = [...projectTotals.keys()].filter((id): id is string => id !== null);
  const projects = projectIds.length
    ? await db.project.findMany({ where: { workspaceId, id: { in: projectIds } }, select: { id: true, name: true } })
    : [];
  const projectNames = new Map(projects.map((p) => [p.id, p.name]));
  const byProject = [...projectTotals].map(([projectId, v]) => ({
    projectId,
    name: projectId === null ? "No project (API)" : (projectNames.get(projectId) ?? "Deleted project"),
    calls: v.calls,
    localCalls: v.localCalls,
    tokens: v.tokens,
    costMicros: Math.round(v.groups.reduce((n, g) => n + groupCost(pricing, g), 0)),
  }));

  const expensive = pickExpensiveTasks(tasks);
  const taskRows = expensive.picked.length
    ? await db.task.findMany({
        where: { workspaceId, id: { in: expensive.picked.map((t) => t.taskId) } },
        select: { id: true, number: true, title: true, project: { select: { name: true } } },
      })
    : [];
  const taskInfo = new Map(taskRows.map((t) => [t.id, t]));

  const byCost = (a: { costMicros: number; calls: number }, b: { costMicros: number; calls: number }) =>
    b.costMicros - a.costMicros || b.calls - a.calls;
  return {
    month: period.month,
    periodStart: period.start,
    periodEnd: period.end,
    current: period.current,
    daysElapsed,
    daysInMonth,
    months: monthsBetween(first?.createdAt ?? now, now),
    pricing: {
      localEnergyPerCallMicros: pricing.localEnergyPerCallMicros,
      gpuHourMicros: pricing.gpuHourMicros,
      baseFeeMicros: pricing.baseFeeMicros,
      baselineModel: pricing.baselineModel,
    },
    cost,
    calls,
    tokens,
    gpuHours: gpuSeconds / 3600,
    localShare: succeeded > 0 ? calls.localSucceeded / succeeded : null,
    savings: { baselineMicros: Math.round(baseline), spentMicros: variable, savedMicros: Math.round(baseline) - variable },
    forecast,
    dataDays: Math.round(dataDays * 100) / 100,
    byDay: [...days]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([date, d]) => ({ date, ...d, localMicros: Math.round(d.localMicros), cloudMicros: Math.round(d.cloudMicros) })),
    byModel: byModel.sort(byCost),
    byProject: byProject.sort(byCost),
    expensiveTasks: {
      method: expensive.method,
      thresholdMicros: expensive.thresholdMicros,
      taskCount: tasks.length,
      tasks: expensive.picked.map((t) => {
        const info = taskInfo.get(t.taskId);
        return {
          taskId: t.taskId,
          number: info?.number ?? null,
          title: info?.title ?? null,
          projectName: info?.project.name ?? null,
          calls: t.calls,
          costMicros: Math.round(t.cost),
          outlier: t.outlier,
        };
      }),
    },
  };
}
