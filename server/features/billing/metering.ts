import type { Db } from "@/server/db";
import { getStripe, meterEventNames, type MeterMetric } from "@/server/integrations/stripe";
import { logger } from "@/server/logger";
import { recordAudit, type Actor } from "../audit/record";
import { monthKey } from "../usage/period";

/**
 * Usage metering to Stripe Billing Meters. `collectMeterReports` turns what the local ledgers say
 * (tasks, overage tasks, cloud tokens, runner GPU minutes) into MeterReport rows for the part not
 * yet reported; `sendMeterReports` sends them as meter events whose identifier is the row id, so a
 * retried send is counted once by Stripe. Both are safe to run twice and from several instances.
 * A report that fails MAX_ATTEMPTS times stops being retried, is reported once (audit + error
 * log), and waits for an owner's "Retry" on the billing page (`retryMeterReports`).
 */

export const metrics: MeterMetric[] = ["tasks", "overage_tasks", "cloud_tokens", "gpu_minutes"];
export const MAX_ATTEMPTS = 12;

export type UsageTotals = Record<MeterMetric, number>;

function periodBounds(period: string): { start: Date; end: Date } {
  const [y, m] = period.split("-").map(Number) as [number, number];
  return { start: new Date(Date.UTC(y, m - 1, 1)), end: new Date(Date.UTC(y, m, 1)) };
}

/** What the local ledgers say the workspace used in `period` (YYYY-MM), in meter units. */
export async function localUsage(db: Db, workspaceId: string, period: string): Promise<UsageTotals> {
  const { start, end } = periodBounds(period);
  const [counter, cloud, gpu] = await Promise.all([
    db.usageCounter.findUnique({ where: { workspaceId_period: { workspaceId, period } }, select: { tasks: true, overageTasks: true } }),
    db.modelCall.aggregate({
      // Tokens paid with Jace's key only (a workspace's own key is billed by OpenAI to them); a
      // stream that broke midway still used, and is billed for, the tokens it produced.
      where: { workspaceId, provider: "openai", keySource: "system", createdAt: { gte: start, lt: end } },
      _sum: { promptTokens: true, completionTokens: true },
    }),
    db.modelCall.aggregate({ where: { workspaceId, provider: "runner", createdAt: { gte: start, lt: end } }, _sum: { gpuSeconds: true } }),
  ]);
  return {
    tasks: counter?.tasks ?? 0,
    overage_tasks: counter?.overageTasks ?? 0,
    cloud_tokens: (cloud._sum.promptTokens ?? 0) + (cloud._sum.completionTokens ?? 0),
    // Whole minutes only: the remainder is reported once it adds up to a minute.
    gpu_minutes: Math.floor((gpu._sum.gpuSeconds ?? 0) / 60),
  };
}

/** `failed`: reports whose retries ran out (not counted as pending: nothing will send them until retried). */
export type MeterStatus = Record<MeterMetric, { local: number; sent: number; pending: number; failed: number }>;

/** Local usage against what was reported to Stripe: the reconciliation the billing page shows. */
export async function meterStatus(db: Db, workspaceId: string, period: string): Promise<MeterStatus> {
  const [local, reports] = await Promise.all([
    localUsage(db, workspaceId, period),
    db.$queryRaw<{ metric: string; sent: number; pending: number; failed: number }[]>`
      SELECT metric,
             coalesce(sum(value) FILTER (WHERE status = 'sent'), 0)::int AS sent,
             coalesce(sum(value) FILTER (WHERE status <> 'sent' AND attempts < ${MAX_ATTEMPTS}), 0)::int AS pending,
             coalesce(sum(value) FILTER (WHERE status <> 'sent' AND attempts >= ${MAX_ATTEMPTS}), 0)::int AS failed
        FROM "MeterReport" WHERE "workspaceId" = ${workspaceId} AND period = ${period} GROUP BY metric`,
  ]);
  const out = Object.fromEntries(metrics.map((m) => [m, { local: local[m], sent: 0, pending: 0, failed: 0 }])) as MeterStatus;
  for (const r of reports) {
    const row = out[r.metric as MeterMetric];
    if (row) Object.assign(row, { sent: r.sent, pending: r.pending, failed: r.failed });
  }
  return out;
}

/**
 * Creates MeterReport rows for unreported usage of the current and the previous month, for every
 * workspace with a Stripe customer, in one statement. A report's id names the slice of usage
 * [reported, local) it covers, so two collectors at once make the same id and one row.
 */
export async function collectMeterReports(db: Db, now = new Date(), scope: Scope = {}): Promise<number> {
  const only = scope.workspaceIds ?? null;
  const current = monthKey(now);
  const previous = monthKey(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 15)));
  const [cur, prev] = [periodBounds(current), periodBounds(previous)];
  return db.$executeRaw`
    WITH periods AS (
      SELECT * FROM (VALUES (${current}, ${cur.start}::timestamp, ${cur.end}::timestamp),
                            (${previous}, ${prev.start}::timestamp, ${prev.end}::timestamp)) AS p(period, "start", "end")
    ), local AS (
      SELECT b."workspaceId", p.period, m.metric, m.value
        FROM "BillingAccount" b CROSS JOIN periods p
        LEFT JOIN "UsageCounter" u ON u."workspaceId" = b."workspaceId" AND u.period = p.period
        CROSS JOIN LATERAL (
          VALUES ('tasks', coalesce(u.tasks, 0)),
                 ('overage_tasks', coalesce(u."overageTasks", 0)),
                 ('cloud_tokens', (SELECT coalesce(sum(c."promptTokens" + c."completionTokens"), 0)::int FROM "ModelCall" c
                                    WHERE c."workspaceId" = b."workspaceId" AND c.provider = 'openai' AND c."keySource" = 'system'
                                      AND c."createdAt" >= p."start" AND c."createdAt" < p."end")),
                 ('gpu_minutes', (SELECT floor(coalesce(sum(c."gpuSeconds"), 0) / 60)::int FROM "ModelCall" c
                                   WHERE c."workspaceId" = b."workspaceId" AND c.provider = 'runner'
                                     AND c."createdAt" >= p."start" AND c."createdAt" < p."end"))
        ) AS m(metric, value)
       WHERE b."stripeCustomerId" IS NOT NULL AND (${only}::text[] IS NULL OR b."workspaceId" = ANY(${only}::text[]))
    ), reported AS (
      SELECT r."workspaceId", r.period, r.metric, sum(r.value)::int AS value
        FROM "MeterReport" r WHERE r.period IN (${current}, ${previous}) GROUP BY 1, 2, 3
    )
    INSERT INTO "MeterReport" (id, "workspaceId", period, metric, value)
    SELECT l."workspaceId" || ':' || l.period || ':' || l.metric || ':' || coalesce(r.value, 0),
           l."workspaceId", l.period, l.metric, l.value - coalesce(r.value, 0)
      FROM local l LEFT JOIN reported r USING ("workspaceId", period, metric)
     WHERE l.value > coalesce(r.value, 0)
    ON CONFLICT (id) DO NOTHING`;
}

export type SendResult = { sent: number; failed: number };

/** Limits a run to some workspaces (a test beside others, or one workspace's manual flush). */
export type Scope = { workspaceIds?: string[] };

/**
 * The meter event's timestamp: when the report was made, but never after its period ends, so a
 * previous month's usage reported on the 1st lands in that month.
 */
export function meterTimestamp(report: { period: string; createdAt: Date }): number {
  const lastSecond = periodBounds(report.period).end.getTime() - 1000;
  return Math.floor(Math.min(report.createdAt.getTime(), lastSecond) / 1000);
}

/** Sends pending (and earlier failed) reports as meter events, `concurrency` at a time. */
export async function sendMeterReports(db: Db, opts: { limit?: number; concurrency?: number } & Scope = {}): Promise<SendResult> {
  const pending = await db.meterReport.findMany({
    where: {
      status: { in: ["pending", "failed"] },
      attempts: { lt: MAX_ATTEMPTS },
      ...(opts.workspaceIds ? { workspaceId: { in: opts.workspaceIds } } : {}),
    },
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
  const sent: string[] = [];
  const failures: { id: string; workspaceId: string; metric: string; attempts: number; message: string }[] = [];
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
          timestamp: meterTimestamp(r),
        });
        sent.push(r.id);
      } catch (err) {
        const message = (err instanceof Error ? err.message : String(err)).slice(0, 500);
        failures.push({ id: r.id, workspaceId: r.workspaceId, metric: r.metric, attempts: r.attempts + 1, message });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.concurrency ?? 8, pending.length) }, worker));
  // Marked after sending, in one statement: a report sent but not marked (crash) is sent again
  // with the same identifier, which Stripe counts once.
  if (sent.length > 0) {
    await db.meterReport.updateMany({
      where: { id: { in: sent } },
      data: { status: "sent", sentAt: new Date(), attempts: { increment: 1 }, error: null },
    });
  }
  for (const f of failures) {
    await db.meterReport.update({ where: { id: f.id }, data: { status: "failed", attempts: f.attempts, error: f.message } });
    if (f.attempts >= MAX_ATTEMPTS) await alertExhausted(db, f);
    else logger.warn({ reportId: f.id, err: f.message }, "meter event not accepted; it is retried on the next flush");
  }
  return { sent: sent.length, failed: failures.length };
}

/** A report out of retries: said once, loudly (error log + audit entry), since Stripe will not bill it. */
async function alertExhausted(db: Db, f: { id: string; workspaceId: string; metric: string; message: string }): Promise<void> {
  const claimed = await db.meterReport.updateMany({ where: { id: f.id, alertedAt: null }, data: { alertedAt: new Date() } });
  if (claimed.count === 0) return;
  logger.error(
    { reportId: f.id, workspaceId: f.workspaceId, err: f.message },
    "meter report failed for good; retry it on the billing page",
  );
  await recordAudit(db, f.workspaceId, { type: "system", label: "Stripe metering" }, null, {
    action: "billing.meter_report_failed",
    targetType: "meter_report",
    targetId: f.id,
    metadata: { metric: f.metric, attempts: MAX_ATTEMPTS, error: f.message },
  });
}

/** Puts the workspace's reports that ran out of retries back in the queue (the billing page's "Retry"). */
export async function retryMeterReports(db: Db, workspaceId: string, actor: Actor, ip: string | null = null): Promise<number> {
  const { count } = await db.meterReport.updateMany({
    where: { workspaceId, status: { not: "sent" }, attempts: { gte: MAX_ATTEMPTS } },
    data: { status: "pending", attempts: 0, alertedAt: null },
  });
  if (count > 0) {
    await recordAudit(db, workspaceId, actor, ip, {
      action: "billing.meter_reports_retried",
      targetType: "workspace",
      targetId: workspaceId,
      metadata: { reports: count },
    });
  }
  return count;
}
