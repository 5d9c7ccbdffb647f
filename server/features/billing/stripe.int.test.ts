import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { testDb } from "@/server/testing/db";
import { callerFor, createUser, createWorkspaceFor, type TestUser } from "@/server/testing/factories";
import type { StripeFake } from "@/test/fakes/stripe";
import { createTask } from "../tasks/intake";
import { monthKey } from "../usage/period";
import { meterUsage } from "@/inngest/functions/billing/meter-usage";
import { billingUsageFlush } from "@/inngest/events";
import { startHarness } from "@/inngest/executor/test-harness";
import { collectMeterReports, meterStatus, sendMeterReports } from "./metering";
import { stripeHarness } from "./testing/stripe-harness";

/**
 * Billing against the real Stripe SDK and a loopback Stripe fake that signs its webhooks with the
 * SDK's own signer; the webhooks reach the app's real route handler over HTTP.
 */

const db = testDb();
const h = stripeHarness();
let fake: StripeFake;
beforeAll(() => {
  fake = h.fake;
});

let owner: TestUser;
let ws: { id: string; slug: string; name: string };

beforeEach(async () => {
  owner = await createUser(db, "Owner");
  ws = await createWorkspaceFor(db, owner, "Paying Co", "free");
});

async function subscribe(plan: "pro" | "team" = "pro") {
  const result = await callerFor(db, owner).billing.changePlan({ workspaceSlug: ws.slug, plan });
  if (result.kind !== "redirect") throw new Error("expected a Checkout redirect");
  const sessionId = result.url.split("/").pop()!;
  const done = await fake.completeCheckout(sessionId);
  await fake.settled();
  return done;
}

/** Other test files meter their own workspaces in the same database at the same time. */
const mine = () => ({ workspaceIds: [ws.id] });

const mailSubjects = async () =>
  (await db.devMail.findMany({ where: { to: owner.email.toLowerCase() }, orderBy: { createdAt: "asc" } })).map((m) => m.subject);

describe("Checkout and webhooks", () => {
  it("upgrades through Checkout: one customer per workspace, the webhook moves the plan, owners are told", async () => {
    const caller = callerFor(db, owner);
    const first = await caller.billing.changePlan({ workspaceSlug: ws.slug, plan: "pro" });
    expect(first).toMatchObject({ kind: "redirect", url: expect.stringContaining(`${fake.url}/checkout/`) });
    const account = await db.billingAccount.findUniqueOrThrow({ where: { workspaceId: ws.id } });
    expect(fake.customers.get(account.stripeCustomerId!)?.metadata).toMatchObject({ workspaceId: ws.id });
    // A second attempt reuses the workspace's customer.
    await caller.billing.changePlan({ workspaceSlug: ws.slug, plan: "pro" });
    expect([...fake.customers.values()].filter((c) => c.metadata?.workspaceId === ws.id)).toHaveLength(1);

    await fake.completeCheckout(first.kind === "redirect" ? first.url.split("/").pop()! : "");
    await fake.settled();
    expect(fake.events.map((e) => [e.type, e.status])).toEqual(
      expect.arrayContaining([
        ["checkout.session.completed", 200],
        ["customer.subscription.created", 200],
        ["invoice.paid", 200],
      ]),
    );
    const overview = await caller.billing.overview({ workspaceSlug: ws.slug });
    expect(overview.plan.id).toBe("pro");
    expect(overview.account).toMatchObject({ status: "active", hasCustomer: true });
    expect(overview.readOnly).toBeNull();
    expect(overview.account!.currentPeriodEnd!.getTime()).toBeGreaterThan(Date.now());
    expect(overview.meters.find((m) => m.key === "tasksPerMonth")?.limit).toBe(2000);
    expect(await mailSubjects()).toContain(`Jace: ${ws.name} is now on the Pro plan`);
    const audit = await db.auditEvent.findMany({ where: { workspaceId: ws.id, action: "billing.plan_changed" } });
    expect(audit).toHaveLength(1);
    expect(audit[0]!.metadata).toMatchObject({ from: "free", to: "pro" });

    const invoices = await caller.billing.invoices({ workspaceSlug: ws.slug });
    expect(invoices[0]).toMatchObject({ status: "paid", amountCents: 2900 });
    const portal = await caller.billing.portal({ workspaceSlug: ws.slug });
    expect(portal.url).toContain(`${fake.url}/portal/`);
  });

  it("rejects a wrong signature and a stale timestamp with 401 and stores nothing", async () => {
    await subscribe();
    const before = await db.stripeEvent.count();
    const sub = [...fake.subscriptions.values()].find((s) => s.metadata?.workspaceId === ws.id)!;
    const deleted = { ...sub, status: "canceled" };
    expect(await fake.emit("customer.subscription.deleted", deleted, { secret: "whsec_not_the_secret" })).toBe(401);
    expect(await fake.emit("customer.subscription.deleted", deleted, { timestamp: Math.floor(Date.now() / 1000) - 600 })).toBe(401);
    expect(await db.stripeEvent.count()).toBe(before);
    expect((await db.workspace.findUniqueOrThrow({ where: { id: ws.id } })).plan).toBe("pro");
  });

  it("processes a replayed event once", async () => {
    await subscribe();
    const created = fake.events.find((e) => e.type === "customer.subscription.created" && e.payload.includes(ws.id))!;
    const audits = await db.auditEvent.count({ where: { workspaceId: ws.id } });
    const { syncedAt } = await db.billingAccount.findUniqueOrThrow({ where: { workspaceId: ws.id } });
    await fake.resend(created.id);
    await fake.settled();
    const replay = fake.events.at(-1)!;
    expect(replay).toMatchObject({ id: created.id, resent: true, status: 200 });
    expect(await db.stripeEvent.count({ where: { id: created.id } })).toBe(1);
    expect(await db.auditEvent.count({ where: { workspaceId: ws.id } })).toBe(audits);
    // The handler did not run again: a sync would have stamped the account.
    expect((await db.billingAccount.findUniqueOrThrow({ where: { workspaceId: ws.id } })).syncedAt).toEqual(syncedAt);
  });

  it("changes plan in place for a subscribed workspace, and resync repairs a missed webhook", async () => {
    await subscribe("pro");
    const caller = callerFor(db, owner);
    expect(await caller.billing.changePlan({ workspaceSlug: ws.slug, plan: "team" })).toEqual({ kind: "updated", plan: "team" });
    await fake.settled();
    expect((await db.workspace.findUniqueOrThrow({ where: { id: ws.id } })).plan).toBe("team");

    // Stripe changes the subscription while our webhook endpoint is unreachable.
    fake.setWebhookUrl(undefined);
    const stripe = new (await import("stripe")).default(fake.secretKey, { host: "127.0.0.1", port: fake.port, protocol: "http" });
    const sub = [...fake.subscriptions.values()].find((s) => s.metadata?.workspaceId === ws.id)!;
    await stripe.subscriptions.update(sub.id, { items: [{ id: sub.items.data[0]!.id, price: "price_pro_test" }] });
    await fake.settled();
    fake.setWebhookUrl(h.webhookUrl);
    expect((await db.workspace.findUniqueOrThrow({ where: { id: ws.id } })).plan).toBe("team");
    expect(await caller.billing.resync({ workspaceSlug: ws.slug })).toMatchObject({ plan: "pro", changed: true });
  });

  it("after a failed payment keeps working through the grace period, then goes read-only until paid", async () => {
    await subscribe();
    const customer = (await db.billingAccount.findUniqueOrThrow({ where: { workspaceId: ws.id } })).stripeCustomerId!;
    await fake.failPayment(customer);
    await fake.settled();
    let account = await db.billingAccount.findUniqueOrThrow({ where: { workspaceId: ws.id } });
    expect(account.status).toBe("past_due");
    const graceDays = (account.graceEndsAt!.getTime() - account.paymentFailedAt!.getTime()) / 86_400_000;
    expect(graceDays).toBe(7);
    expect(await mailSubjects()).toContain(`Jace: payment for ${ws.name} failed`);

    const caller = callerFor(db, owner);
    await caller.project.create({ workspaceSlug: ws.slug, name: "still works" });
    await db.billingAccount.update({ where: { workspaceId: ws.id }, data: { graceEndsAt: new Date(Date.now() - 1) } });
    await expect(caller.project.create({ workspaceSlug: ws.slug, name: "blocked" })).rejects.toThrow(/read-only/);
    const actor = { type: "user" as const, id: owner.id, label: owner.email };
    await expect(createTask(db, ws.id, actor, { task: { kind: "ask", question: "?" } }, { source: "web" })).rejects.toThrow(/read-only/);

    await fake.payOpenInvoices(customer);
    await fake.settled();
    account = await db.billingAccount.findUniqueOrThrow({ where: { workspaceId: ws.id } });
    expect(account).toMatchObject({ status: "active", paymentFailedAt: null, graceEndsAt: null });
    await caller.project.create({ workspaceSlug: ws.slug, name: "works again" });
  });

  it("downgrades to Free when the subscription ends, keeping data beyond the new limits", async () => {
    await subscribe();
    const caller = callerFor(db, owner);
    for (const name of ["a", "b", "c", "d"]) await caller.project.create({ workspaceSlug: ws.slug, name });
    const sub = [...fake.subscriptions.values()].find((s) => s.metadata?.workspaceId === ws.id)!;
    const stripe = new (await import("stripe")).default(fake.secretKey, { host: "127.0.0.1", port: fake.port, protocol: "http" });
    await stripe.subscriptions.cancel(sub.id);
    await fake.settled();
    expect((await db.workspace.findUniqueOrThrow({ where: { id: ws.id } })).plan).toBe("free");
    expect(await db.project.count({ where: { workspaceId: ws.id } })).toBe(4);
    await expect(caller.project.create({ workspaceSlug: ws.slug, name: "e" })).rejects.toThrow(/Free plan project limit of 3/);
  });
});

describe("usage metering", () => {
  it("reports tasks, cloud tokens and GPU minutes once, with idempotent identifiers, retrying failures", async () => {
    await subscribe();
    const customer = (await db.billingAccount.findUniqueOrThrow({ where: { workspaceId: ws.id } })).stripeCustomerId!;
    const period = monthKey(new Date());
    const project = await db.project.create({ data: { workspaceId: ws.id, name: "metered" } });
    await db.usageCounter.upsert({
      where: { workspaceId_period: { workspaceId: ws.id, period } },
      create: { workspaceId: ws.id, period, tasks: 7 },
      update: { tasks: 7 },
    });
    const call = { workspaceId: ws.id, projectId: project.id, requestedModel: "fast", status: "succeeded" };
    await db.modelCall.createMany({
      data: [
        { ...call, provider: "openai", keySource: "system", model: "gpt-4o-mini", promptTokens: 1200, completionTokens: 300 },
        // Paid with the workspace's own key: OpenAI bills them, Jace meters nothing.
        { ...call, provider: "openai", keySource: "workspace", model: "gpt-4o-mini", promptTokens: 5000, completionTokens: 5000 },
        { ...call, provider: "runner", model: "tiny", gpuSeconds: 150 },
        { ...call, provider: "runner", model: "tiny", gpuSeconds: 45 },
      ],
    });

    fake.failNext("POST", "/v1/billing/meter_events", 500, 3); // more than the SDK's own retries
    await collectMeterReports(db, new Date(), mine());
    const first = await sendMeterReports(db, { concurrency: 1, ...mine() });
    expect(first).toEqual({ sent: 2, failed: 1 });
    expect(await collectMeterReports(db, new Date(), mine())).toBe(0); // nothing new: the failed report is already counted
    expect(await sendMeterReports(db, mine())).toEqual({ sent: 1, failed: 0 });

    expect(fake.meterTotals(customer, "jace_tasks")).toBe(7);
    expect(fake.meterTotals(customer, "jace_cloud_tokens")).toBe(1500);
    expect(fake.meterTotals(customer, "jace_gpu_minutes")).toBe(3);
    expect(await meterStatus(db, ws.id, period)).toEqual({
      tasks: { local: 7, sent: 7, pending: 0, failed: 0 },
      overage_tasks: { local: 0, sent: 0, pending: 0, failed: 0 },
      cloud_tokens: { local: 1500, sent: 1500, pending: 0, failed: 0 },
      gpu_minutes: { local: 3, sent: 3, pending: 0, failed: 0 },
    });

    // More usage is reported as the difference; a report sent twice is counted once by Stripe.
    await db.usageCounter.update({ where: { workspaceId_period: { workspaceId: ws.id, period } }, data: { tasks: 10 } });
    expect(await collectMeterReports(db, new Date(), mine())).toBe(1);
    expect(await sendMeterReports(db, mine())).toEqual({ sent: 1, failed: 0 });
    await db.meterReport.updateMany({ where: { workspaceId: ws.id, metric: "tasks" }, data: { status: "pending" } });
    await sendMeterReports(db, mine());
    expect(fake.meterTotals(customer, "jace_tasks")).toBe(10);
    expect(fake.duplicateMeterEvents.length).toBeGreaterThanOrEqual(2);
  });

  it("runs as the billing-meter-usage function through the embedded executor", async () => {
    await subscribe();
    const customer = (await db.billingAccount.findUniqueOrThrow({ where: { workspaceId: ws.id } })).stripeCustomerId!;
    await db.usageCounter.upsert({
      where: { workspaceId_period: { workspaceId: ws.id, period: monthKey(new Date()) } },
      create: { workspaceId: ws.id, period: monthKey(new Date()), tasks: 4 },
      update: { tasks: 4 },
    });
    const h = await startHarness((inngest) => [meterUsage(inngest)]);
    try {
      await h.inngest.send(billingUsageFlush.create({ reason: "test" }));
      const [run] = await h.waitForRun((rs) => rs.some((r) => r.status === "completed"), 20_000);
      expect(run!.steps.map((st) => st.name)).toEqual(expect.arrayContaining(["prune-rate-limits", "collect", "send"]));
      expect(fake.meterTotals(customer, "jace_tasks")).toBe(4);
    } finally {
      await h.close();
    }
  });

  it("meters nothing for a workspace without a Stripe customer", async () => {
    await db.usageCounter.create({ data: { workspaceId: ws.id, period: monthKey(new Date()), tasks: 3 } });
    await collectMeterReports(db, new Date(), mine());
    expect(await db.meterReport.count({ where: { workspaceId: ws.id } })).toBe(0);
  });
});
