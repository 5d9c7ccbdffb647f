import { z } from "zod";
import { planIds } from "./plans";

export const planIdSchema = z.enum(planIds);

const meterStatus = z.object({ local: z.number(), sent: z.number(), pending: z.number(), failed: z.number() });

export const billingOverviewOutput = z.object({
  mode: z.enum(["stripe", "local"]),
  period: z.string(),
  resetsOn: z.date(),
  plan: z.object({ id: planIdSchema, name: z.string(), priceCents: z.number().nullable() }),
  plans: z.array(
    z.object({
      id: planIdSchema,
      name: z.string(),
      priceCents: z.number().nullable(),
      description: z.string(),
      highlights: z.array(z.string()),
      current: z.boolean(),
      purchasable: z.boolean(),
    }),
  ),
  /** Why the workspace is read-only (a failed payment's grace period is over), or null. */
  readOnly: z.string().nullable(),
  /** Tasks beyond the included ones are billed (the subscription carries the metered price). */
  overage: z.object({ perTaskMicros: z.number(), maxTasksPerMonth: z.number() }).nullable(),
  /** The subscription and payment status: for those who manage billing only (null for others). */
  account: z
    .object({
      status: z.string(),
      hasCustomer: z.boolean(),
      currentPeriodEnd: z.date().nullable(),
      cancelAtPeriodEnd: z.boolean(),
      paymentFailedAt: z.date().nullable(),
      graceEndsAt: z.date().nullable(),
      syncedAt: z.date().nullable(),
    })
    .nullable(),
  meters: z.array(
    z.object({
      key: z.enum(["tasksPerMonth", "concurrentTasks", "runners", "members", "projects", "cloudBudget"]),
      label: z.string(),
      used: z.number(),
      limit: z.number().nullable(),
      unit: z.enum(["count", "micros"]),
    }),
  ),
  metering: z.object({ tasks: meterStatus, overage_tasks: meterStatus, cloud_tokens: meterStatus, gpu_minutes: meterStatus }).nullable(),
});

export type BillingOverview = z.infer<typeof billingOverviewOutput>;

export const invoiceOutput = z.object({
  id: z.string(),
  number: z.string().nullable(),
  status: z.string(),
  amountCents: z.number(),
  currency: z.string(),
  createdAt: z.date(),
  url: z.string().nullable(),
});

export const changePlanInput = z.object({ plan: planIdSchema });
export const changePlanOutput = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("redirect"), url: z.string() }),
  z.object({ kind: z.literal("updated"), plan: planIdSchema }),
]);
