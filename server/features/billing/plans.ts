import type { Env } from "@/server/env";

/**
 * Jace's plans: the one place their limits and prices live. Stripe holds only the price ids (from
 * env); what a plan allows is decided here, so local mode (no Stripe keys) enforces the same
 * limits. `null` means unlimited.
 */

export const planIds = ["free", "pro", "team", "enterprise"] as const;
export type PlanId = (typeof planIds)[number];

export type PlanLimits = {
  /** Tasks included each month. Without overage billing this is a hard cap. */
  tasksPerMonth: number | null;
  concurrentTasks: number | null;
  runners: number | null;
  members: number | null;
  projects: number | null;
  /** Cloud model spend included each month, in micro-dollars (1e-6 USD). */
  cloudBudgetMicros: number | null;
  /** Requests per minute per workspace on the REST API, and on channel webhooks that create tasks. */
  apiRequestsPerMinute: number;
  webhookRequestsPerMinute: number;
};

export type Plan = {
  id: PlanId;
  name: string;
  /** Monthly price in cents; null for plans sold by hand. */
  priceCents: number | null;
  description: string;
  /** Can be bought through Checkout (needs a Stripe price id). */
  selfServe: boolean;
  limits: PlanLimits;
  /**
   * Tasks beyond `tasksPerMonth`, billed per task through a metered Stripe price, up to a hard cap.
   * Offered only when the workspace's subscription carries the plan's metered price (env
   * STRIPE_PRICE_<PLAN>_METERED); otherwise, and on plans without it, `tasksPerMonth` is the cap.
   * Cloud tokens and GPU minutes are metered for reporting but not charged: cloud spend is held to
   * the plan's allowance (`cloudBudgetMicros`), and GPU minutes run on the customer's own runners.
   */
  overage: { perTaskMicros: number; maxTasksPerMonth: number } | null;
  highlights: string[];
};

const usd = (dollars: number) => Math.round(dollars * 1_000_000);

export const plans: Record<PlanId, Plan> = {
  free: {
    id: "free",
    name: "Free",
    priceCents: 0,
    description: "For trying Jace with your own GPU.",
    selfServe: false,
    limits: {
      tasksPerMonth: 100,
      concurrentTasks: 2,
      runners: 1,
      members: 3,
      projects: 3,
      cloudBudgetMicros: usd(1),
      apiRequestsPerMinute: 60,
      webhookRequestsPerMinute: 60,
    },
    overage: null,
    highlights: ["100 tasks a month", "1 runner", "3 members", "$1 of cloud models"],
  },
  pro: {
    id: "pro",
    name: "Pro",
    priceCents: 2900,
    description: "For a small team handing Jace real work every day.",
    selfServe: true,
    limits: {
      tasksPerMonth: 2_000,
      concurrentTasks: 10,
      runners: 5,
      members: 10,
      projects: 20,
      cloudBudgetMicros: usd(25),
      apiRequestsPerMinute: 600,
      webhookRequestsPerMinute: 600,
    },
    overage: { perTaskMicros: usd(0.02), maxTasksPerMonth: 10_000 },
    highlights: ["2,000 tasks a month", "5 runners", "10 members", "$25 of cloud models"],
  },
  team: {
    id: "team",
    name: "Team",
    priceCents: 9900,
    description: "For agencies running many clients' work in parallel.",
    selfServe: true,
    limits: {
      tasksPerMonth: 10_000,
      concurrentTasks: 50,
      runners: 25,
      members: 50,
      projects: 100,
      cloudBudgetMicros: usd(100),
      apiRequestsPerMinute: 3_000,
      webhookRequestsPerMinute: 3_000,
    },
    overage: { perTaskMicros: usd(0.01), maxTasksPerMonth: 50_000 },
    highlights: ["10,000 tasks a month", "25 runners", "50 members", "$100 of cloud models"],
  },
  enterprise: {
    id: "enterprise",
    name: "Enterprise",
    priceCents: null,
    description: "Custom limits, set by hand.",
    selfServe: false,
    limits: {
      tasksPerMonth: null,
      concurrentTasks: null,
      runners: null,
      members: null,
      projects: null,
      cloudBudgetMicros: null,
      apiRequestsPerMinute: 60_000,
      webhookRequestsPerMinute: 60_000,
    },
    overage: null,
    highlights: ["Unlimited tasks, runners and members", "Custom cloud budget"],
  },
};

export function planOf(id: string): Plan {
  return plans[id as PlanId] ?? plans.free;
}

/** The monthly task cap: the included tasks, or the overage cap when overage is billed. */
export function monthlyTaskCap(plan: Plan, overageBilled: boolean): number | null {
  return overageBilled && plan.overage ? plan.overage.maxTasksPerMonth : plan.limits.tasksPerMonth;
}

type PriceEnv = Pick<Env, "STRIPE_PRICE_PRO" | "STRIPE_PRICE_TEAM" | "STRIPE_PRICE_PRO_METERED" | "STRIPE_PRICE_TEAM_METERED">;

/** The flat monthly Stripe price of each self-serve plan, from env. */
export function stripePrices(env: PriceEnv): Partial<Record<PlanId, string>> {
  return {
    ...(env.STRIPE_PRICE_PRO ? { pro: env.STRIPE_PRICE_PRO } : {}),
    ...(env.STRIPE_PRICE_TEAM ? { team: env.STRIPE_PRICE_TEAM } : {}),
  };
}

/** The metered overage price of each plan that has one configured (per task, on meter jace_overage_tasks). */
export function meteredPrices(env: PriceEnv): Partial<Record<PlanId, string>> {
  return {
    ...(env.STRIPE_PRICE_PRO_METERED && plans.pro.overage ? { pro: env.STRIPE_PRICE_PRO_METERED } : {}),
    ...(env.STRIPE_PRICE_TEAM_METERED && plans.team.overage ? { team: env.STRIPE_PRICE_TEAM_METERED } : {}),
  };
}

/** Subscription line items for a plan: its flat price, and its metered overage price when configured. */
export function planLineItems(env: PriceEnv, planId: PlanId): { price: string; quantity?: number }[] {
  const flat = stripePrices(env)[planId];
  const metered = meteredPrices(env)[planId];
  // A metered price takes no quantity: Stripe bills what the meter recorded.
  return [...(flat ? [{ price: flat, quantity: 1 }] : []), ...(metered ? [{ price: metered }] : [])];
}

export function planForPrice(env: PriceEnv, priceId: string | null | undefined): PlanId | null {
  if (!priceId) return null;
  const match = Object.entries(stripePrices(env)).find(([, id]) => id === priceId);
  return match ? (match[0] as PlanId) : null;
}

export function isMeteredPrice(env: PriceEnv, priceId: string | null | undefined): boolean {
  return Boolean(priceId) && Object.values(meteredPrices(env)).includes(priceId!);
}

export type LimitName = "tasksPerMonth" | "concurrentTasks" | "runners" | "members" | "projects";

export const limitLabels: Record<LimitName, { noun: string; unit: string }> = {
  tasksPerMonth: { noun: "monthly task quota", unit: "tasks this month" },
  concurrentTasks: { noun: "concurrent task limit", unit: "tasks running" },
  runners: { noun: "runner limit", unit: "runners" },
  members: { noun: "member limit", unit: "members" },
  projects: { noun: "project limit", unit: "projects" },
};
