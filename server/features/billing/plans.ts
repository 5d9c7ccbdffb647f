import type { Env } from "@/server/env";

/**
 * Jace's plans: the one place their limits and prices live. Stripe holds only the price ids (from
 * env); what a plan allows is decided here, so local mode (no Stripe keys) enforces the same
 * limits. `null` means unlimited.
 */

export const planIds = ["free", "pro", "team", "enterprise"] as const;
export type PlanId = (typeof planIds)[number];

export type PlanLimits = {
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
  /** What usage is included before overage, and overage prices (in micro-dollars per unit). */
  included: { tasks: number; cloudTokens: number; gpuMinutes: number };
  overage: { perTaskMicros: number; perThousandCloudTokensMicros: number; perGpuMinuteMicros: number };
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
    included: { tasks: 100, cloudTokens: 100_000, gpuMinutes: 600 },
    overage: { perTaskMicros: 0, perThousandCloudTokensMicros: 0, perGpuMinuteMicros: 0 },
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
    included: { tasks: 2_000, cloudTokens: 2_000_000, gpuMinutes: 6_000 },
    overage: { perTaskMicros: usd(0.02), perThousandCloudTokensMicros: usd(0.002), perGpuMinuteMicros: usd(0.001) },
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
    included: { tasks: 10_000, cloudTokens: 10_000_000, gpuMinutes: 30_000 },
    overage: { perTaskMicros: usd(0.01), perThousandCloudTokensMicros: usd(0.0015), perGpuMinuteMicros: usd(0.0008) },
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
    included: { tasks: 0, cloudTokens: 0, gpuMinutes: 0 },
    overage: { perTaskMicros: 0, perThousandCloudTokensMicros: 0, perGpuMinuteMicros: 0 },
    highlights: ["Unlimited tasks, runners and members", "Custom cloud budget"],
  },
};

export function planOf(id: string): Plan {
  return plans[id as PlanId] ?? plans.free;
}

/** The Stripe price of each self-serve plan, from env. */
export function stripePrices(env: Pick<Env, "STRIPE_PRICE_PRO" | "STRIPE_PRICE_TEAM">): Partial<Record<PlanId, string>> {
  return {
    ...(env.STRIPE_PRICE_PRO ? { pro: env.STRIPE_PRICE_PRO } : {}),
    ...(env.STRIPE_PRICE_TEAM ? { team: env.STRIPE_PRICE_TEAM } : {}),
  };
}

export function planForPrice(env: Pick<Env, "STRIPE_PRICE_PRO" | "STRIPE_PRICE_TEAM">, priceId: string | null | undefined): PlanId | null {
  if (!priceId) return null;
  const match = Object.entries(stripePrices(env)).find(([, id]) => id === priceId);
  return match ? (match[0] as PlanId) : null;
}

export type LimitName = "tasksPerMonth" | "concurrentTasks" | "runners" | "members" | "projects";

export const limitLabels: Record<LimitName, { noun: string; unit: string }> = {
  tasksPerMonth: { noun: "monthly task quota", unit: "tasks this month" },
  concurrentTasks: { noun: "concurrent task limit", unit: "tasks running" },
  runners: { noun: "runner limit", unit: "runners" },
  members: { noun: "member limit", unit: "members" },
  projects: { noun: "project limit", unit: "projects" },
};
