import type { Db } from "@/server/db";
import { getStripe, meterEventNames, type MeterMetric } from "@/server/integrations/stripe";
import { logger } from "@/server/logger";
import { monthKey } from "../usage/period";

/**
 * Usage metering to Stripe Billing Meters. `collectMeterReports` turns what the local ledgers say
 * (tasks, cloud tokens, runner GPU minutes) into MeterReport rows for the part not yet reported;
 * `sendMeterReports` sends them as meter events whose identifier is the row id, so a retried send
 * is counted once by Stripe. Both are safe to run twice and from several instances.
 */

export const metrics: MeterMetric[] = ["tasks", "cloud_tokens", "gpu_minutes"];
const MAX_ATTEMPTS = 12;

export type UsageTotals = Record<MeterMetric, number>;

/** What the local ledgers say the workspace used in `period` (YYYY-MM), in meter units. */
export async function localUsage(db: Db, workspaceId: string, period: string): Promise<UsageTotals> {
  const [y, m] = period.split("-").map(Number) as [number, number];
  const start = new Date(Date.UTC(y, m - 1, 1));
  const end = new Date(Date.UTC(y, m, 1));
  const [counter, cloud, gpu] = await Promise.all([
    db.usageCounter.findUnique({ where: { workspaceId_period: { workspaceId, period } }, select: { tasks: true } }),
    db.modelCall.aggregate({
      where: { workspaceId, provider: "openai", status: "succeeded", createdAt: { gte: start, lt: end } },
      _sum: { promptTokens: true, completionTokens: true },
    }),
    db.modelCall.aggregate({ where: { workspaceId, provider: "runner", createdAt: { gte: start, lt: end } }, _sum: { gpuSeconds: true } }),
  ]);
  return {
    tasks: counter?.tasks ?? 0,
    cloud_tokens: (cloud._sum.promptTokens ?? 0) + (cloud._sum.completionTokens ?? 0),
    // Whole minutes only: the remainder is reported once it adds up to a minute.
    gpu_minutes: Math.floor((gpu._sum.gpuSeconds ?? 0) / 60),
  };
}

export type MeterStatus = Record<MeterMetric, { local: number; sent: number; pending: number }>;

/** Local usage against what was reported to Stripe: the reconciliation the billing page shows. */
export async function meterStatus(db: Db, workspaceId: string, period: string): Promise<MeterStatus> {
  const [local, reports] = await Promise.all([
    localUsage(db, workspaceId, period),
    db.meterReport.groupBy({ by: ["metric", "status"], where: { workspaceId, period }, _sum: { value: true } }),
  ]);
  const out = Object.fromEntries(metrics.map((m) => [m, { local: local[m], sent: 0, pending: 0 }])) as MeterStatus;
  for (const r of reports) {
    const row = out[r.metric as MeterMetric];
    if (!row) continue;
    if (r.status === "sent") row.sent += r._sum.value ?? 0;
    else row.pending += r._sum.value ?? 0;
  }
  return out;
}

/** Creates MeterReport rows for unreported usage of the current and the previous month. */
export async function collectMeterReports(db: Db, now = new Date()): Promise<number> {
  const accounts = await db.billingAccount.findMany({ where: { stripeCustomerId: { not: null } }, select: { workspaceId: true } });
  const periods = [monthKey(now), monthKey(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 15)))];
  let created = 0;
  for (const { workspaceId } of accounts) {
    for (const period of periods) {
      const status = await meterStatus(db, workspaceId, period);
      const rows = metrics.flatMap((metric) => {
        const { local, sent, pending } = status[metric];
        const reported = sent + pending;
        const delta = local - reported;
        // The id names the slice of usage [reported, local): two collectors at once make the same id.
        return delta > 0 ? [{ id: `${workspaceId}:${period}:${metric}:${reported}`, workspaceId, period, metric, value: delta }] : [];
      });
      if (rows.length === 0) continue;
      const { count } = await db.meterReport.createMany({ data: rows, skipDuplicates: true });
      created += count;
    }
  }
  return created;
}

export type SendResult = { sent: number; failed: number };

/** Sends pending (and earlier failed) reports as meter events, `concurrency` at a time. */
export async function sendMeterReports(db: Db, opts: { limit?: number; concurrency?: number } = {}): Promise<SendResult> {
  const pending = await db.meterReport.findMany({
    where: { status: { in: ["pending", "failed"] }, attempts: { lt: MAX_ATTEMPTS } },
    orderBy: { createdAt: "asc" },
    take: opts.limit ?? 500,
  });
  if (pending.length === 0) return { sent: 0, failed: 0 };
  const customers = new Map(
    (
      await db.billingAccount.findMany({
        where: { workspaceId: { in: [...new Set(pending.map((p) => p.workspaceId))] } },
        select: { workspaceId: true, stripeCustomerId: true },
      })
    ).map((a) => [a.workspaceId, a.stripeCustomerId]),
  );
  const stripe = getStripe();
  const result: SendResult = { sent: 0, failed: 0 };
  const queue = [...pending];
  const worker = async () => {
    for (let r = queue.shift(); r; r = queue.shift()) {
      const customer = customers.get(r.workspaceId);
      try {
        if (!customer) throw new Error("the workspace has no Stripe customer");
        await stripe.billing.meterEvents.create({
          event_name: meterEventNames[r.metric as MeterMetric],
          payload: { stripe_customer_id: customer, value: String(r.value) },
          identifier: r.id,
          timestamp: Math.floor(r.createdAt.getTime() / 1000),
        });
        await db.meterReport.update({
          where: { id: r.id },
          data: { status: "sent", sentAt: new Date(), attempts: { increment: 1 }, error: null },
        });
        result.sent += 1;
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        await db.meterReport.update({
          where: { id: r.id },
          data: { status: "failed", attempts: { increment: 1 }, error: message.slice(0, 500) },
        });
        result.failed += 1;
        logger.warn({ reportId: r.id, err: message }, "meter event not accepted; it is retried on the next flush");
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.concurrency ?? 8, pending.length) }, worker));
  return result;
}
