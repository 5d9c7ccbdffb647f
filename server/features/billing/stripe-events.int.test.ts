import { beforeEach, describe, expect, it } from "vitest";
import { testDb } from "@/server/testing/db";
import { callerFor, createUser, createWorkspaceFor, type TestUser } from "@/server/testing/factories";
import { createTask } from "../tasks/intake";
import { monthKey } from "../usage/period";
import { collectMeterReports, sendMeterReports } from "./metering";
import { stripeHarness } from "./testing/stripe-harness";

/**
 * Stripe events in the orders Stripe may deliver them, a webhook whose first processing died, and
 * overage billed through the plans' metered prices: real SDK, loopback fake, signed webhooks.
 */

const db = testDb();
const h = stripeHarness({ metered: true });

let owner: TestUser;
let ws: { id: string; slug: string; name: string };

beforeEach(async () => {
  owner = await createUser(db, "Owner");
  ws = await createWorkspaceFor(db, owner, "Paying Co", "free");
});

async function subscribe(plan: "pro" | "team" = "pro") {
  const result = await callerFor(db, owner).billing.changePlan({ workspaceSlug: ws.slug, plan });
  if (result.kind !== "redirect") throw new Error("expected a Checkout redirect");
  await h.fake.completeCheckout(result.url.split("/").pop()!);
  await h.fake.settled();
  return (await db.billingAccount.findUniqueOrThrow({ where: { workspaceId: ws.id } })).stripeCustomerId!;
}

const failureMails = async () =>
  db.devMail.count({ where: { to: owner.email.toLowerCase(), subject: `Jace: payment for ${ws.name} failed` } });
const failureAudits = async () => db.auditEvent.count({ where: { workspaceId: ws.id, action: "billing.payment_failed" } });

describe("payment failures in any order", () => {
  it("tells the owners once when the past-due subscription arrives before the failed invoice", async () => {
    const customer = await subscribe();
    await h.fake.failPayment(customer, { order: "subscription-first" });
    const delivered = h.fake.events.slice(-2).map((e) => [e.type, e.status]);
    expect(delivered).toEqual([
      ["customer.subscription.updated", 200],
      ["invoice.payment_failed", 200],
    ]);
    expect(await failureMails()).toBe(1);
    expect(await failureAudits()).toBe(1);
    const account = await db.billingAccount.findUniqueOrThrow({ where: { workspaceId: ws.id } });
    expect(account).toMatchObject({ status: "past_due", paymentFailedNotifiedAt: expect.any(Date) });
    expect((account.graceEndsAt!.getTime() - account.paymentFailedAt!.getTime()) / 86_400_000).toBe(7);
  });

  it("tells the owners once when Resync sees the failure before any webhook, and again for the next dunning", async () => {
    const customer = await subscribe();
    h.fake.setWebhookUrl(undefined);
    await h.fake.failPayment(customer);
    h.fake.setWebhookUrl(h.webhookUrl);
    expect(await failureMails()).toBe(0);
    await callerFor(db, owner).billing.resync({ workspaceSlug: ws.slug });
    expect(await failureMails()).toBe(1);
    // The webhooks arrive late: nothing new.
    for (const e of h.fake.events.filter((x) => x.status === null)) await h.fake.resend(e.id);
    await h.fake.settled();
    expect(await failureMails()).toBe(1);
    expect(await failureAudits()).toBe(1);

    await h.fake.payOpenInvoices(customer);
    expect(await db.billingAccount.findUniqueOrThrow({ where: { workspaceId: ws.id } })).toMatchObject({
      paymentFailedAt: null,
      paymentFailedNotifiedAt: null,
    });
    await h.fake.failPayment(customer);
    expect(await failureMails()).toBe(2);
  });
});

describe("webhook claims", () => {
  it("takes again an event whose first processing died, and asks Stripe to come back while one is running", async () => {
    await subscribe();
    const sub = [...h.fake.subscriptions.values()].find((s) => s.metadata?.workspaceId === ws.id)!;
    // A delivery claimed the event and its process died before the handler finished.
    const status = h.fake.emit("customer.subscription.deleted", { ...sub, status: "canceled" });
    const crashed = h.fake.events.at(-1)!;
    expect(await status).toBe(200);
    await db.stripeEvent.update({ where: { id: crashed.id }, data: { processedAt: null, receivedAt: new Date() } });
    await db.workspace.update({ where: { id: ws.id }, data: { plan: "pro" } });
    h.fake.subscriptions.set(sub.id, { ...sub, status: "canceled" });

    // Still fresh: another delivery may be running it.
    expect(await h.fake.resend(crashed.id)).toBe(409);
    expect((await db.workspace.findUniqueOrThrow({ where: { id: ws.id } })).plan).toBe("pro");
    // Stale: taken again and processed.
    await db.stripeEvent.update({ where: { id: crashed.id }, data: { receivedAt: new Date(Date.now() - 6 * 60_000) } });
    expect(await h.fake.resend(crashed.id)).toBe(200);
    expect((await db.workspace.findUniqueOrThrow({ where: { id: ws.id } })).plan).toBe("free");
    expect(await db.stripeEvent.findUniqueOrThrow({ where: { id: crashed.id } })).toMatchObject({ processedAt: expect.any(Date) });
    // Processed: a further replay is a duplicate.
    expect(await h.fake.resend(crashed.id)).toBe(200);
  });
});

describe("overage", () => {
  it("bills tasks beyond the included ones through the plan's metered price, up to the cap", async () => {
    const customer = await subscribe("pro");
    const session = [...h.fake.checkoutSessions.values()].at(-1)!;
    expect(session._lines.map((l) => [l.price.id, l.quantity])).toEqual([
      ["price_pro_test", 1],
      ["price_pro_overage_test", undefined],
    ]);
    expect(await db.billingAccount.findUniqueOrThrow({ where: { workspaceId: ws.id } })).toMatchObject({
      overagePriceId: "price_pro_overage_test",
    });
    const period = monthKey(new Date());
    await db.project.create({ data: { workspaceId: ws.id, name: "p" } });
    await db.usageCounter.create({ data: { workspaceId: ws.id, period, tasks: 1_999 } });
    const actor = { type: "user" as const, id: owner.id, label: owner.email };
    const submit = async (q: string) => {
      const { task } = await createTask(db, ws.id, actor, { task: { kind: "ask", question: q } }, { source: "web" });
      await db.task.update({ where: { id: task.id }, data: { status: "succeeded" } });
    };
    for (const q of ["last included", "first extra", "second extra"]) await submit(q);
    expect(await db.usageCounter.findUniqueOrThrow({ where: { workspaceId_period: { workspaceId: ws.id, period } } })).toMatchObject({
      tasks: 2_002,
      overageTasks: 2,
    });

    await collectMeterReports(db, new Date(), { workspaceIds: [ws.id] });
    await sendMeterReports(db, { workspaceIds: [ws.id] });
    expect(h.fake.meterTotals(customer, "jace_overage_tasks")).toBe(2);
    const sub = [...h.fake.subscriptions.values()].find((s) => s.metadata?.workspaceId === ws.id)!;
    await h.fake.advancePeriod(sub.id);
    const invoice = [...h.fake.invoices.values()].at(-1)!;
    expect(invoice.lines.data.map((l) => [l.quantity, l.amount])).toEqual([
      [1, 2900],
      [2, 4],
    ]);

    await db.usageCounter.update({ where: { workspaceId_period: { workspaceId: ws.id, period } }, data: { tasks: 10_000 } });
    await expect(submit("over the cap")).rejects.toThrow(/Pro plan monthly task quota of 10000 reached \(10000 tasks this month\)/);
  });

  it("moves the metered price with the plan, and without it hard-caps at the included tasks", async () => {
    await subscribe("pro");
    const caller = callerFor(db, owner);
    expect(await caller.billing.changePlan({ workspaceSlug: ws.slug, plan: "team" })).toEqual({ kind: "updated", plan: "team" });
    await h.fake.settled();
    const sub = [...h.fake.subscriptions.values()].find((s) => s.metadata?.workspaceId === ws.id)!;
    expect(sub.items.data.map((i) => i.price.id)).toEqual(["price_team_test", "price_team_overage_test"]);
    expect((await db.billingAccount.findUniqueOrThrow({ where: { workspaceId: ws.id } })).overagePriceId).toBe("price_team_overage_test");

    // A subscription without the metered item (bought before it was configured) gets no overage.
    const stripe = new (await import("stripe")).default(h.fake.secretKey, { host: "127.0.0.1", port: h.fake.port, protocol: "http" });
    await stripe.subscriptions.update(sub.id, { items: [{ id: sub.items.data[1]!.id, deleted: true }] });
    await h.fake.settled();
    expect((await db.billingAccount.findUniqueOrThrow({ where: { workspaceId: ws.id } })).overagePriceId).toBeNull();
    await db.project.create({ data: { workspaceId: ws.id, name: "p" } });
    await db.usageCounter.create({ data: { workspaceId: ws.id, period: monthKey(new Date()), tasks: 10_000 } });
    const actor = { type: "user" as const, id: owner.id, label: owner.email };
    await expect(createTask(db, ws.id, actor, { task: { kind: "ask", question: "?" } }, { source: "web" })).rejects.toThrow(
      /Team plan monthly task quota of 10000 reached \(10000 tasks this month\)/,
    );
  });
});
