import { Inngest } from "inngest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setInngest } from "@/inngest/client";
import { billingUsageFlush } from "@/inngest/events";
import { startHarness } from "@/inngest/executor/test-harness";
import { meterUsage } from "@/inngest/functions/billing/meter-usage";
import { getEnv } from "@/server/env";
import { testDb } from "@/server/testing/db";
import { callerFor, createUser, createWorkspaceFor } from "@/server/testing/factories";
import { createTask } from "../tasks/intake";
import { monthKey } from "../usage/period";

/** Without Stripe keys: plans and quotas enforced, usage recorded, payments refused with a clear reason. */

const db = testDb();

beforeAll(() => {
  setInngest(
    new Inngest({
      id: "local-mode",
      isDev: true,
      eventKey: "t",
      baseUrl: "http://127.0.0.1:9/",
      logger: { info() {}, warn() {}, error() {}, debug() {} },
    }),
  );
});
afterAll(() => setInngest(undefined));

describe("billing in local mode", () => {
  it("shows local mode, refuses payment actions with the reason, and still records and limits usage", async () => {
    expect(getEnv().stripe).toBe(false);
    const owner = await createUser(db, "Owner");
    const ws = await createWorkspaceFor(db, owner, "Local", "free");
    await db.project.create({ data: { workspaceId: ws.id, name: "p" } });
    const caller = callerFor(db, owner);
    const input = { workspaceSlug: ws.slug };

    const overview = await caller.billing.overview(input);
    expect(overview).toMatchObject({ mode: "local", metering: null, readOnly: null });
    expect(overview.plans.every((p) => !p.purchasable)).toBe(true);
    await expect(caller.billing.changePlan({ ...input, plan: "pro" })).rejects.toThrow(
      /Payments are not configured on this server \(local mode\)/,
    );
    await expect(caller.billing.resync(input)).rejects.toThrow(/Payments are not configured on this server, so there is nothing to resync/);
    await expect(caller.billing.portal(input)).rejects.toThrow(/Payments are not configured on this server \(STRIPE_SECRET_KEY is unset\)/);
    expect(await caller.billing.invoices(input)).toEqual([]);
    expect(await db.billingAccount.findUnique({ where: { workspaceId: ws.id } })).toBeNull();

    const actor = { type: "user" as const, id: owner.id, label: owner.email };
    const { task } = await createTask(db, ws.id, actor, { task: { kind: "ask", question: "?" } }, { source: "web" });
    await db.task.update({ where: { id: task.id }, data: { status: "succeeded" } });
    expect((await caller.billing.overview(input)).meters.find((m) => m.key === "tasksPerMonth")).toMatchObject({ used: 1, limit: 100 });
    await db.usageCounter.update({
      where: { workspaceId_period: { workspaceId: ws.id, period: monthKey(new Date()) } },
      data: { tasks: 100 },
    });
    await expect(createTask(db, ws.id, actor, { task: { kind: "ask", question: "?" } }, { source: "web" })).rejects.toThrow(
      /monthly task quota of 100 reached/,
    );

    // The meter function runs, reports nothing to anyone, and keeps the local ledger.
    const h = await startHarness((inngest) => [meterUsage(inngest)]);
    try {
      await h.inngest.send(billingUsageFlush.create({ reason: "test" }));
      const [run] = await h.waitForRun((rs) => rs.some((r) => r.status === "completed"), 20_000);
      expect(run!.output).toMatchObject({ mode: "local" });
    } finally {
      await h.close();
    }
    expect(await db.meterReport.count({ where: { workspaceId: ws.id } })).toBe(0);
    expect((await db.usageCounter.findFirstOrThrow({ where: { workspaceId: ws.id } })).tasks).toBe(100);
  });
});
