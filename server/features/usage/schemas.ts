import { z } from "zod";

/** Budget.monthlyLimitMicros is a Postgres integer: $2,147.48 is the most one budget can hold. */
export const MAX_BUDGET_MICROS = 2_147_483_647;

export const monthParam = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, "Give the month as YYYY-MM, e.g. 2026-11.");

export const usageSummaryInput = z.object({ month: monthParam.optional() });

const micros = z.number().int();
const count = z.number().int().nonnegative();

/** C = U_api x R_api + U_llm x R_llm + H_gpu x R_gpu + M_base, term by term. */
export const costBreakdown = z.object({
  cloudMicros: micros,
  localEnergyMicros: micros,
  gpuMicros: micros,
  baseFeeMicros: micros,
  totalMicros: micros,
});

export const expensiveTask = z.object({
  taskId: z.string(),
  /** Null when the task no longer exists (its calls stay in the ledger). */
  number: z.number().int().nullable(),
  title: z.string().nullable(),
  projectName: z.string().nullable(),
  calls: count,
  costMicros: micros,
  outlier: z.boolean(),
});

export const usageSummaryOutput = z.object({
  month: monthParam,
  periodStart: z.date(),
  periodEnd: z.date(),
  /** True for the month in progress (the forecast only exists for it). */
  current: z.boolean(),
  daysElapsed: count,
  daysInMonth: count,
  /** Months with ledger entries, newest first, always including the current one. */
  months: z.array(monthParam),
  pricing: z.object({
    localEnergyPerCallMicros: micros,
    gpuHourMicros: micros,
    baseFeeMicros: micros,
    baselineModel: z.string(),
  }),
  cost: costBreakdown,
  /** local/cloud count every call; localSucceeded is the U_llm of the formula. */
  calls: z.object({ total: count, local: count, localSucceeded: count, cloud: count, failed: count, fallbacks: count }),
  tokens: z.object({ prompt: count, completion: count }),
  gpuHours: z.number().nonnegative(),
  /** Share of succeeded calls that runners served, 0..1; null without succeeded calls. */
  localShare: z.number().min(0).max(1).nullable(),
  /** What the same tokens would have cost on the cloud baseline model, against what they did cost. */
  savings: z.object({ baselineMicros: micros, spentMicros: micros, savedMicros: micros }),
  /**
   * The current month's total at the rate of the last `basisDays` (the days of data the workspace
   * has, at most 14); `confidence` grows with them (rough under 3 days, fair under 7). Null for a
   * past month and while the workspace has less than a day of data.
   */
  forecast: z
    .object({
      method: z.literal("linear"),
      totalMicros: micros,
      basisDays: z.number().nonnegative(),
      daysInMonth: count,
      confidence: z.enum(["rough", "fair", "good"]),
    })
    .nullable(),
  /** Days since the workspace was created or first used (what a forecast can draw on). */
  dataDays: z.number().nonnegative(),
  byDay: z.array(z.object({ date: z.string(), localMicros: micros, cloudMicros: micros, calls: count, tokens: count })),
  byModel: z.array(z.object({ provider: z.string(), model: z.string(), calls: count, tokens: count, costMicros: micros })),
  byProject: z.array(
    z.object({
      projectId: z.string().nullable(),
      name: z.string(),
      calls: count,
      localCalls: count,
      tokens: count,
      costMicros: micros,
    }),
  ),
  expensiveTasks: z.object({
    /** iqr: tasks above p75 + 1.5 x IQR are flagged; top: too few tasks for that, the top 5 are shown. */
    method: z.enum(["iqr", "top"]),
    thresholdMicros: micros.nullable(),
    taskCount: count,
    tasks: z.array(expensiveTask),
  }),
});
export type UsageSummary = z.infer<typeof usageSummaryOutput>;

export const budgetOutput = z.object({
  id: z.string(),
  scope: z.enum(["workspace", "project"]),
  projectId: z.string().nullable(),
  /** "Workspace" or the project's name. */
  name: z.string(),
  monthlyLimitMicros: micros,
  softThresholdPct: z.number().int(),
  hardLimit: z.boolean(),
  /** Start of the current period (this UTC month). */
  periodStart: z.date(),
  spentMicros: micros,
  reservedMicros: micros,
  /** ok, past the soft threshold, or at/over the limit (spent + reserved). */
  state: z.enum(["ok", "warning", "exceeded"]),
  updatedAt: z.date(),
});
export type BudgetOutput = z.infer<typeof budgetOutput>;

export const upsertBudgetInput = z.object({
  /** Null for the workspace-wide budget. */
  projectId: z.string().min(1).max(64).nullable(),
  monthlyLimitMicros: z
    .number()
    .int()
    .min(10_000, "Set a limit of at least $0.01.")
    .max(MAX_BUDGET_MICROS, "A budget can be at most $2,147.48 a month."),
  softThresholdPct: z
    .number()
    .int("Use a whole percentage.")
    .min(1, "Use a percentage from 1 to 100.")
    .max(100, "Use a percentage from 1 to 100.")
    .default(80),
  hardLimit: z.boolean().default(true),
});

export const deleteBudgetInput = z.object({ budgetId: z.string().min(1).max(64) });

export const providerKeyOutput = z.object({ provider: z.literal("openai"), masked: z.string(), updatedAt: z.date() }).nullable();
export const saveProviderKeyInput = z.object({ key: z.string().trim().min(1, "Paste your OpenAI API key.").max(300) });
