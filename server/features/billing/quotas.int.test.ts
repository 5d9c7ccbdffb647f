import { Inngest } from "inngest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setInngest } from "@/inngest/client";
import { AppError } from "@/server/errors";
import { testDb } from "@/server/testing/db";
import { callerFor, createUser, createWorkspaceFor } from "@/server/testing/factories";
import { createEnrollmentToken } from "@/server/runners/enrollment";
import { createTask } from "../tasks/intake";
import { monthKey } from "../usage/period";
import { checkRateLimit, RateLimiter } from "./rate-limit";
import type { PlanId } from "./plans";

const db = testDb();

beforeAll(() => {
  // No executor here: intake stores the task and the sweep would send its event later.
  setInngest(
    new Inngest({
      id: "quota-test",
      isDev: true,
      eventKey: "test",
      baseUrl: "http://127.0.0.1:9/",
      logger: { info() {}, warn() {}, error() {}, debug() {} },
    }),
  );
});
afterAll(() => setInngest(undefined));

async function workspaceOn(plan: PlanId) {
  const owner = await createUser(db, "Owner");
  const ws = await createWorkspaceFor(db, owner, `Quota ${plan}`, plan);
  const project = await db.project.create({ data: { workspaceId: ws.id, name: "p" } });
  const actor = { type: "user" as const, id: owner.id, label: owner.email };
  return { owner, ws, project, actor };
}

const ask = (q: string) => ({ task: { kind: "ask" as const, question: q } });

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "OK";
  } catch (err) {
    if (err instanceof AppError) return err.code;
    if (err && typeof err === "object" && "code" in err) return String((err as { code: unknown }).code);
    throw err;
  }
}

describe("task quotas at intake", () => {
  it("admits exactly the 10 remaining of 100 simultaneous submissions and stores nothing for the rest", async () => {
    const { ws, actor } = await workspaceOn("team");
    await db.usageCounter.create({ data: { workspaceId: ws.id, period: monthKey(new Date()), tasks: 9_990 } });
    const results = await Promise.allSettled(
      Array.from({ length: 100 }, (_, i) => createTask(db, ws.id, actor, ask(`q${i}`), { source: "api" })),
    );
    const admitted = results.filter((r) => r.status === "fulfilled");
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(admitted).toHaveLength(10);
    expect(refused).toHaveLength(90);
    expect(refused.every((r) => r.reason instanceof AppError && r.reason.code === "QUOTA_EXCEEDED")).toBe(true);
    expect((refused[0]!.reason as Error).message).toMatch(
      /Team plan monthly task quota of 10000 reached \(10000 tasks this month\)\. Upgrade at http.*\/billing or wait until/,
    );
    expect(await db.task.count({ where: { workspaceId: ws.id } })).toBe(10);
    const counter = await db.usageCounter.findUniqueOrThrow({
      where: { workspaceId_period: { workspaceId: ws.id, period: monthKey(new Date()) } },
    });
    expect(counter.tasks).toBe(10_000);
    // The task numbers stay dense: refused submissions took no number.
    const numbers = (await db.task.findMany({ where: { workspaceId: ws.id }, select: { number: true } }))
      .map((t) => t.number)
      .sort((a, b) => a - b);
    expect(numbers).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
  });

  it("holds concurrent tasks to the plan and frees the slot when a task ends", async () => {
    const { ws, actor } = await workspaceOn("free");
    await createTask(db, ws.id, actor, ask("one"), { source: "web" });
    const { task: second } = await createTask(db, ws.id, actor, ask("two"), { source: "web" });
    const refused = createTask(db, ws.id, actor, ask("three"), { source: "web" });
    await expect(refused).rejects.toThrow(
      /Free plan concurrent task limit of 2 reached \(2 tasks running\).*wait for a running task to finish/,
    );
    await db.task.update({ where: { id: second.id }, data: { status: "succeeded", finishedAt: new Date() } });
    const { created } = await createTask(db, ws.id, actor, ask("three"), { source: "web" });
    expect(created).toBe(true);
  });

  it("emails the owners once at 80% and once at 100% of the monthly quota", async () => {
    const { owner, ws, actor } = await workspaceOn("free");
    const period = monthKey(new Date());
    await db.usageCounter.create({ data: { workspaceId: ws.id, period, tasks: 78 } });
    const finish = async (id: string) => db.task.update({ where: { id }, data: { status: "succeeded" } });
    for (let i = 0; i < 3; i++) await finish((await createTask(db, ws.id, actor, ask(`a${i}`), { source: "web" })).task.id);
    const mails = () => db.devMail.findMany({ where: { to: owner.email.toLowerCase() }, orderBy: { createdAt: "asc" } });
    expect((await mails()).map((m) => m.subject)).toEqual([`Jace: ${ws.name} used 80% of its monthly tasks`]);
    await db.usageCounter.update({ where: { workspaceId_period: { workspaceId: ws.id, period } }, data: { tasks: 99 } });
    await finish((await createTask(db, ws.id, actor, ask("last"), { source: "web" })).task.id);
    await expect(createTask(db, ws.id, actor, ask("over"), { source: "web" })).rejects.toThrow(/monthly task quota of 100 reached/);
    const subjects = (await mails()).map((m) => m.subject);
    expect(subjects).toEqual([`Jace: ${ws.name} used 80% of its monthly tasks`, `Jace: ${ws.name} used all 100 tasks this month`]);
  });

  it("refuses every new task once a failed payment's grace period is over, and allows it within grace", async () => {
    const { ws, actor } = await workspaceOn("pro");
    await db.billingAccount.create({
      data: { workspaceId: ws.id, status: "past_due", paymentFailedAt: new Date(), graceEndsAt: new Date(Date.now() + 86_400_000) },
    });
    expect((await createTask(db, ws.id, actor, ask("in grace"), { source: "web" })).created).toBe(true);
    await db.billingAccount.update({ where: { workspaceId: ws.id }, data: { graceEndsAt: new Date(Date.now() - 1000) } });
    await expect(createTask(db, ws.id, actor, ask("after grace"), { source: "web" })).rejects.toThrow(
      /read-only: A payment failed and the grace period is over\. Update the payment method at .*\/billing/,
    );
    expect(await db.task.count({ where: { workspaceId: ws.id } })).toBe(1);
  });
});

describe("limits at creation", () => {
  it("keeps projects beyond a lower plan after a downgrade but refuses new ones, naming the limit", async () => {
    const { owner, ws } = await workspaceOn("pro");
    const caller = callerFor(db, owner);
    for (const name of ["b", "c", "d"]) await caller.project.create({ workspaceSlug: ws.slug, name });
    await db.workspace.update({ where: { id: ws.id }, data: { plan: "free" } });
    expect(await db.project.count({ where: { workspaceId: ws.id } })).toBe(4);
    await expect(caller.project.create({ workspaceSlug: ws.slug, name: "e" })).rejects.toThrow(
      /Free plan project limit of 3 reached \(4 projects\)\. Upgrade at .* or archive a project you no longer use\./,
    );
    const archived = await db.project.findFirstOrThrow({ where: { workspaceId: ws.id, name: "b" } });
    await caller.project.archive({ workspaceSlug: ws.slug, projectId: archived.id });
    await caller.project.archive({
      workspaceSlug: ws.slug,
      projectId: (await db.project.findFirstOrThrow({ where: { workspaceId: ws.id, name: "c" } })).id,
    });
    // 2 active now: one more fits, unarchiving a fourth does not.
    await caller.project.create({ workspaceSlug: ws.slug, name: "e" });
    await expect(caller.project.unarchive({ workspaceSlug: ws.slug, projectId: archived.id })).rejects.toThrow(/project limit of 3/);
  });

  it("counts pending invitations against the member limit", async () => {
    const { owner, ws } = await workspaceOn("free");
    const caller = callerFor(db, owner);
    await caller.member.invite({ workspaceSlug: ws.slug, email: "one@example.test", role: "member" });
    await caller.member.invite({ workspaceSlug: ws.slug, email: "two@example.test", role: "member" });
    // Re-inviting a pending address takes no new seat.
    await caller.member.invite({ workspaceSlug: ws.slug, email: "two@example.test", role: "admin" });
    await expect(caller.member.invite({ workspaceSlug: ws.slug, email: "three@example.test", role: "member" })).rejects.toThrow(
      /Free plan member limit of 3 reached \(3 members\).*remove a member or withdraw a pending invitation/,
    );
    expect(await db.invitation.count({ where: { workspaceId: ws.id, email: "three@example.test" } })).toBe(0);
  });

  it("refuses an enrollment token beyond the plan's runners", async () => {
    const { owner, ws } = await workspaceOn("free");
    await db.runner.create({ data: { workspaceId: ws.id, name: "box", publicKey: "k", labels: [], capabilities: {} } });
    const actor = { type: "user" as const, id: owner.id, label: owner.email };
    await expect(createEnrollmentToken(db, ws.id, actor, null, { labels: [] })).rejects.toThrow(/Free plan runner limit of 1 reached/);
    expect(await db.runnerEnrollmentToken.count({ where: { workspaceId: ws.id } })).toBe(0);
  });

  it("makes a workspace read-only after grace: writes are FORBIDDEN with the reason, reading and billing still work", async () => {
    const { owner, ws } = await workspaceOn("pro");
    await db.billingAccount.create({ data: { workspaceId: ws.id, status: "unpaid", paymentFailedAt: new Date() } });
    const caller = callerFor(db, owner);
    expect(await codeOf(caller.project.create({ workspaceSlug: ws.slug, name: "x" }))).toBe("FORBIDDEN");
    await expect(caller.project.create({ workspaceSlug: ws.slug, name: "x" })).rejects.toThrow(/read-only.*Billing page/);
    const overview = await caller.billing.overview({ workspaceSlug: ws.slug });
    expect(overview.readOnly).toMatch(/payment failed/i);
    expect((await caller.project.list({ workspaceSlug: ws.slug })).length).toBe(1);
  });
});

describe("rate limits", () => {
  it("allows the plan's requests per minute and then refuses with the time to wait", async () => {
    const { ws } = await workspaceOn("free");
    const now = Date.UTC(2026, 11, 4, 12, 0, 10);
    for (let i = 0; i < 60; i++) await checkRateLimit(db, ws, "api", now);
    const err = await checkRateLimit(db, ws, "api", now).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe("RATE_LIMITED");
    expect((err as AppError).details).toEqual({ limit: 60, retryAfterSeconds: 50 });
    // Buckets are separate, and the next minute starts afresh.
    await checkRateLimit(db, ws, "webhook", now);
    await checkRateLimit(db, ws, "api", now + 60_000);
  });

  it("shares one workspace's count between instances through the database, each counting in memory between flushes", async () => {
    const { ws } = await workspaceOn("free");
    const [a, b] = [new RateLimiter(60_000), new RateLimiter(60_000)];
    const now = Date.UTC(2026, 11, 4, 12, 5, 0);
    for (let i = 0; i < 40; i++) await a.check(db, ws, "api", now);
    expect(await db.rateLimitWindow.count({ where: { key: `api:${ws.id}` } })).toBe(0); // nothing written per request
    await a.flush();
    // B reads the shared count once for the window, then admits only what is left.
    for (let i = 0; i < 20; i++) await b.check(db, ws, "api", now);
    await expect(b.check(db, ws, "api", now)).rejects.toMatchObject({ code: "RATE_LIMITED" });
    await b.flush();
    const row = await db.rateLimitWindow.findFirstOrThrow({ where: { key: `api:${ws.id}` } });
    expect(row.count).toBe(60);
    // A learns B's share at its next flush.
    await a.check(db, ws, "api", now);
    await a.flush();
    await expect(a.check(db, ws, "api", now)).rejects.toMatchObject({ code: "RATE_LIMITED" });
  });
});
