import { beforeEach, describe, expect, it } from "vitest";
import { testDb } from "@/server/testing/db";
import { callerFor, createUser, createWorkspaceFor, type TestUser } from "@/server/testing/factories";
import { monthKey } from "../usage/period";
import { collectMeterReports, MAX_ATTEMPTS, meterStatus, meterTimestamp, sendMeterReports } from "./metering";
import { stripeHarness } from "./testing/stripe-harness";

/** Meter reports across workspaces, across a month boundary, and when Stripe keeps refusing one. */

const db = testDb();
const h = stripeHarness();

let owner: TestUser;
let ws: { id: string; slug: string };
let customer: string;

async function paying(name: string) {
  const user = await createUser(db, name);
  const workspace = await createWorkspaceFor(db, user, name, "pro");
  const stripeCustomer = (await fetch(`${h.fake.url}/v1/customers`, {
    method: "POST",
    headers: { authorization: `Bearer ${h.fake.secretKey}`, "content-type": "application/x-www-form-urlencoded" },
    body: `name=${encodeURIComponent(name)}`,
  }).then((r) => r.json())) as { id: string };
  await db.billingAccount.create({ data: { workspaceId: workspace.id, stripeCustomerId: stripeCustomer.id, status: "active" } });
  return { user, workspace, customer: stripeCustomer.id };
}

beforeEach(async () => {
  const p = await paying("Metered");
  [owner, ws, customer] = [p.user, p.workspace, p.customer];
});

/** Other test files meter their own workspaces in the same database at the same time. */
const mine = () => ({ workspaceIds: [ws.id] });

const previousPeriod = (now = new Date()) => monthKey(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 15)));

describe("meter reports", () => {
  it("collects every paying workspace's usage in one pass and sends last month's inside last month", async () => {
    const other = await paying("Other");
    const now = new Date();
    await db.usageCounter.createMany({
      data: [
        { workspaceId: ws.id, period: previousPeriod(now), tasks: 5 },
        { workspaceId: ws.id, period: monthKey(now), tasks: 2 },
        { workspaceId: other.workspace.id, period: monthKey(now), tasks: 3, overageTasks: 1 },
      ],
    });
    const scope = { workspaceIds: [ws.id, other.workspace.id] };
    expect(await collectMeterReports(db, now, scope)).toBe(4);
    expect(await collectMeterReports(db, now, scope)).toBe(0);
    expect(await sendMeterReports(db, scope)).toEqual({ sent: 4, failed: 0 });

    const monthStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1) / 1000;
    const events = h.fake.meterEvents.filter((e) => e.payload.stripe_customer_id === customer);
    const last = events.find((e) => e.payload.value === "5")!;
    const current = events.find((e) => e.payload.value === "2")!;
    expect(last.timestamp).toBeLessThan(monthStart);
    expect(last.timestamp).toBeGreaterThanOrEqual(monthStart - 31 * 86400);
    expect(current.timestamp).toBeGreaterThanOrEqual(monthStart);
    expect(h.fake.meterTotals(other.customer, "jace_overage_tasks")).toBe(1);
    expect(h.fake.meterTotals(other.customer, "jace_tasks")).toBe(3);
  });

  it("timestamps a report inside its own period", () => {
    expect(meterTimestamp({ period: "2026-11", createdAt: new Date("2026-12-01T00:05:00Z") })).toBe(Date.UTC(2026, 11, 1) / 1000 - 1);
    expect(meterTimestamp({ period: "2026-12", createdAt: new Date("2026-12-04T10:00:00Z") })).toBe(Date.UTC(2026, 11, 4, 10) / 1000);
  });

  it("stops retrying a report Stripe keeps refusing, says so once, and sends it after an owner's retry", async () => {
    await db.usageCounter.create({ data: { workspaceId: ws.id, period: monthKey(new Date()), tasks: 4 } });
    await collectMeterReports(db, new Date(), mine());
    await db.meterReport.updateMany({ where: { workspaceId: ws.id }, data: { attempts: MAX_ATTEMPTS - 1, status: "failed" } });
    h.fake.failNext("POST", "/v1/billing/meter_events", 400, 1);
    expect(await sendMeterReports(db, mine())).toEqual({ sent: 0, failed: 1 });
    const period = monthKey(new Date());
    expect((await meterStatus(db, ws.id, period)).tasks).toEqual({ local: 4, sent: 0, pending: 0, failed: 4 });
    // Out of retries: not sent again, and alerted once.
    expect(await sendMeterReports(db, mine())).toEqual({ sent: 0, failed: 0 });
    const alerts = await db.auditEvent.findMany({ where: { workspaceId: ws.id, action: "billing.meter_report_failed" } });
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.metadata).toMatchObject({ metric: "tasks", attempts: MAX_ATTEMPTS });
    expect((await callerFor(db, owner).billing.overview({ workspaceSlug: ws.slug })).metering?.tasks.failed).toBe(4);

    expect(await callerFor(db, owner).billing.retryMeterReports({ workspaceSlug: ws.slug })).toEqual({ retried: 1 });
    expect(await sendMeterReports(db, mine())).toEqual({ sent: 1, failed: 0 });
    expect(h.fake.meterTotals(customer, "jace_tasks")).toBe(4);
    expect((await meterStatus(db, ws.id, period)).tasks).toEqual({ local: 4, sent: 4, pending: 0, failed: 0 });
  });
});
