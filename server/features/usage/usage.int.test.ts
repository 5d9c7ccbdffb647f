import { TRPCError } from "@trpc/server";
import { beforeAll, describe, expect, it } from "vitest";
import type { Prisma } from "@/server/generated/prisma/client";
import { AppError } from "@/server/errors";
import { testDb } from "@/server/testing/db";
import { addMember, callerFor, createUser, createWorkspaceFor, type TestUser } from "@/server/testing/factories";
import { monthStart } from "./period";
import { pickExpensiveTasks, quantile, usageSummary } from "./usage";

const db = testDb();

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "OK";
  } catch (error) {
    if (error instanceof TRPCError) return error.code;
    if (error instanceof AppError) return error.code;
    throw error;
  }
}

type CallSeed = Partial<Prisma.ModelCallUncheckedCreateInput> & { createdAt: Date | string };

async function seedCalls(workspaceId: string, calls: CallSeed[]) {
  await db.modelCall.createMany({
    data: calls.map((c) => ({
      workspaceId,
      provider: "runner",
      model: "qwen2.5-coder-7b",
      requestedModel: "fast",
      status: "succeeded",
      ...c,
    })),
  });
}

let taskCounter = 0;
async function createTask(workspaceId: string, projectId: string, title: string) {
  taskCounter += 1;
  return db.task.create({
    data: {
      workspaceId,
      projectId,
      number: taskCounter,
      kind: "ask",
      title,
      input: { kind: "ask", question: title },
      source: "web",
      createdByLabel: "test",
    },
  });
}

describe("usage summary", () => {
  let owner: TestUser;
  let ws: { id: string; slug: string };
  let projectA: string;
  let projectB: string;

  beforeAll(async () => {
    owner = await createUser(db, "Olive Owner");
    ws = await createWorkspaceFor(db, owner);
    await db.workspace.update({
      where: { id: ws.id },
      data: {
        // 10 micro-dollars per GPU second by default, 20 on the rented box; 100 per local call; $5 base fee.
        llmSettings: {
          pricing: {
            localEnergyPerCallMicros: 100,
            gpuHourMicros: 36_000,
            runnerHourly: { "rented-box": 72_000 },
            baseFeeMicros: 5_000_000,
          },
        },
      },
    });
    projectA = (await db.project.create({ data: { workspaceId: ws.id, name: "Acme API" } })).id;
    projectB = (await db.project.create({ data: { workspaceId: ws.id, name: "Bistro site" } })).id;
    await seedCalls(ws.id, [
      {
        provider: "openai",
        model: "gpt-4o-mini",
        projectId: projectA,
        promptTokens: 1000,
        completionTokens: 500,
        costMicros: 3000,
        baselineMicros: 3000,
        createdAt: "2025-06-02T10:00:00Z",
      },
      {
        provider: "openai",
        model: "gpt-4o",
        projectId: projectA,
        promptTokens: 2000,
        completionTokens: 1000,
        costMicros: 20_000,
        baselineMicros: 2500,
        fallbackReason: "no runner online",
        createdAt: "2025-06-03T08:00:00Z",
      },
      // Ledger costs of local calls are ignored: they are revalued with the workspace's prices.
      {
        runnerId: "home-pc",
        projectId: projectB,
        gpuSeconds: 30,
        costMicros: 1,
        baselineMicros: 20_000,
        promptTokens: 3000,
        completionTokens: 900,
        createdAt: "2025-06-03T09:00:00Z",
      },
      {
        runnerId: "rented-box",
        projectId: projectB,
        gpuSeconds: 15,
        costMicros: 1,
        baselineMicros: 20_000,
        promptTokens: 100,
        completionTokens: 100,
        createdAt: "2025-06-05T09:00:00Z",
      },
      { runnerId: "rented-box", status: "failed", createdAt: "2025-06-05T23:59:59.999Z" },
      // Outside June: the last instant of May and the first of July.
      { provider: "openai", model: "gpt-4o", costMicros: 999_999, createdAt: "2025-05-31T23:59:59.999Z" },
      { provider: "openai", model: "gpt-4o", costMicros: 999_999, createdAt: "2025-07-01T00:00:00Z" },
    ]);
    // Another workspace's June spend never shows here.
    const other = await createWorkspaceFor(db, await createUser(db));
    await seedCalls(other.id, [{ provider: "openai", model: "gpt-4o", costMicros: 777_777, createdAt: "2025-06-10T00:00:00Z" }]);
  });

  it("splits a past month's cost by the formula and measures the saving against cloud-only", async () => {
    const s = await callerFor(db, owner).usage.summary({ workspaceSlug: ws.slug, month: "2025-06" });
    // cloud 3000 + 20000; energy 2 succeeded local calls x 100; GPU 30 s x 10 + 15 s x 20; base fee $5.
    expect(s.cost).toEqual({
      cloudMicros: 23_000,
      localEnergyMicros: 200,
      gpuMicros: 600,
      baseFeeMicros: 5_000_000,
      totalMicros: 5_023_800,
    });
    expect(s.calls).toEqual({ total: 5, local: 3, localSucceeded: 2, cloud: 2, failed: 1, fallbacks: 1 });
    expect(s.tokens).toEqual({ prompt: 6100, completion: 2500 });
    expect(s.localShare).toBe(0.5);
    expect(s.gpuHours).toBeCloseTo(45 / 3600);
    expect(s.savings).toEqual({ baselineMicros: 45_500, spentMicros: 23_800, savedMicros: 21_700 });
    expect(s.forecast).toBeNull();
    expect(s.current).toBe(false);
    expect(s.months[0]).toBe(new Date().toISOString().slice(0, 7));
    expect(s.months).toContain("2025-06");
  });

  it("breaks the month down by day, model and project", async () => {
    const s = await callerFor(db, owner).usage.summary({ workspaceSlug: ws.slug, month: "2025-06" });
    expect(s.byDay).toHaveLength(30);
    expect(s.byDay[0]!.date).toBe("2025-06-01");
    expect(s.byDay.find((d) => d.date === "2025-06-03")).toEqual({
      date: "2025-06-03",
      cloudMicros: 20_000,
      localMicros: 400,
      calls: 2,
      tokens: 6900,
    });
    expect(s.byDay.reduce((n, d) => n + d.cloudMicros + d.localMicros, 0)).toBe(23_800);
    expect(s.byModel.map((m) => [m.provider, m.model, m.costMicros])).toEqual([
      ["openai", "gpt-4o", 20_000],
      ["openai", "gpt-4o-mini", 3000],
      ["runner", "qwen2.5-coder-7b", 800],
    ]);
    expect(s.byProject).toEqual([
      { projectId: projectA, name: "Acme API", calls: 2, localCalls: 0, tokens: 4500, costMicros: 23_000 },
      { projectId: projectB, name: "Bistro site", calls: 2, localCalls: 2, tokens: 4100, costMicros: 800 },
      { projectId: null, name: "No project (API)", calls: 1, localCalls: 1, tokens: 0, costMicros: 0 },
    ]);
  });

  it("forecasts the month in progress from the days of data before now (forecast.int.test.ts has the figures)", async () => {
    const s = await usageSummary(db, ws.id, {}, new Date("2025-06-10T12:00:00Z"));
    expect(s.month).toBe("2025-06");
    expect(s.current).toBe(true);
    expect(s.daysElapsed).toBe(10);
    expect(s.byDay).toHaveLength(10);
    // The ledger starts on May 31 at midnight: 9.5 days of data.
    expect(s.dataDays).toBe(9.5);
    expect(s.forecast).toMatchObject({ method: "linear", basisDays: 9.5, daysInMonth: 30, confidence: "good" });
  });

  it("filters by month and refuses a month that has not started or is malformed", async () => {
    const july = await callerFor(db, owner).usage.summary({ workspaceSlug: ws.slug, month: "2025-07" });
    expect(july.cost.cloudMicros).toBe(999_999);
    expect(july.byDay).toHaveLength(31);
    const empty = await callerFor(db, owner).usage.summary({ workspaceSlug: ws.slug, month: "2024-02" });
    expect(empty.calls.total).toBe(0);
    expect(empty.localShare).toBeNull();
    expect(empty.byDay).toHaveLength(29);
    expect(empty.cost.totalMicros).toBe(5_000_000);
    expect(await codeOf(callerFor(db, owner).usage.summary({ workspaceSlug: ws.slug, month: "2999-01" }))).toBe("BAD_REQUEST");
    expect(await codeOf(callerFor(db, owner).usage.summary({ workspaceSlug: ws.slug, month: "2025-13" }))).toBe("BAD_REQUEST");
  });

  it("lets every member read usage, viewers included", async () => {
    const viewer = await createUser(db, "Vic");
    await addMember(db, ws.id, viewer, "viewer");
    const s = await callerFor(db, viewer).usage.summary({ workspaceSlug: ws.slug, month: "2025-06" });
    expect(s.cost.totalMicros).toBe(5_023_800);
  });
});

describe("expensive tasks", () => {
  it("flags tasks above p75 + 1.5 x IQR and links them to their task", async () => {
    const owner = await createUser(db);
    const ws = await createWorkspaceFor(db, owner);
    const project = await db.project.create({ data: { workspaceId: ws.id, name: "P" } });
    const now = new Date();
    const calls: CallSeed[] = [];
    for (let i = 0; i < 11; i++) {
      const t = await createTask(ws.id, project.id, `Routine ${i}`);
      calls.push({
        provider: "openai",
        model: "gpt-4o-mini",
        taskId: t.id,
        projectId: project.id,
        costMicros: 1000 + i * 10,
        createdAt: now,
      });
    }
    const big = await createTask(ws.id, project.id, "Rewrite the billing module");
    calls.push(
      { provider: "openai", model: "gpt-4o", taskId: big.id, projectId: project.id, costMicros: 60_000, createdAt: now },
      { provider: "openai", model: "gpt-4o", taskId: big.id, projectId: project.id, costMicros: 40_000, createdAt: now },
    );
    await seedCalls(ws.id, calls);

    const s = await callerFor(db, owner).usage.summary({ workspaceSlug: ws.slug });
    expect(s.expensiveTasks.method).toBe("iqr");
    expect(s.expensiveTasks.taskCount).toBe(12);
    // Costs 1000..1100 and 100000: q1 = 1027.5, q3 = 1082.5, threshold = 1082.5 + 1.5 x 55 = 1165.
    expect(s.expensiveTasks.thresholdMicros).toBe(1165);
    expect(s.expensiveTasks.tasks).toEqual([
      {
        taskId: big.id,
        number: big.number,
        title: "Rewrite the billing module",
        projectName: "P",
        calls: 2,
        costMicros: 100_000,
        outlier: true,
      },
    ]);
  });

  it("shows the top 5 when there are too few tasks, including one that was deleted", async () => {
    const owner = await createUser(db);
    const ws = await createWorkspaceFor(db, owner);
    const project = await db.project.create({ data: { workspaceId: ws.id, name: "P" } });
    const t1 = await createTask(ws.id, project.id, "Cheap");
    const t2 = await createTask(ws.id, project.id, "Dear");
    await seedCalls(ws.id, [
      { provider: "openai", model: "gpt-4o", taskId: t1.id, costMicros: 10, createdAt: new Date() },
      { provider: "openai", model: "gpt-4o", taskId: t2.id, costMicros: 900, createdAt: new Date() },
      { provider: "openai", model: "gpt-4o", taskId: "gone-task", costMicros: 500, createdAt: new Date() },
    ]);
    const s = await callerFor(db, owner).usage.summary({ workspaceSlug: ws.slug });
    expect(s.expensiveTasks.method).toBe("top");
    expect(s.expensiveTasks.thresholdMicros).toBeNull();
    expect(s.expensiveTasks.tasks.map((t) => [t.title, t.costMicros, t.outlier])).toEqual([
      ["Dear", 900, false],
      [null, 500, false],
      ["Cheap", 10, false],
    ]);
  });

  it("falls back to the top 5 when no task stands out", () => {
    const tasks = Array.from({ length: 9 }, (_, i) => ({ taskId: `t${i}`, calls: 1, cost: 100 }));
    const picked = pickExpensiveTasks(tasks);
    expect(picked.method).toBe("iqr");
    expect(picked.picked).toHaveLength(5);
    expect(picked.picked.every((t) => !t.outlier)).toBe(true);
  });

  it("interpolates quantiles like PERCENTILE.INC", () => {
    expect(quantile([1, 2, 3, 4], 0.25)).toBe(1.75);
    expect(quantile([1, 2, 3, 4], 0.75)).toBe(3.25);
    expect(quantile([7], 0.75)).toBe(7);
  });
});

describe("budgets", () => {
  let owner: TestUser, member: TestUser, viewer: TestUser;
  let ws: { id: string; slug: string };
  let projectId: string;

  beforeAll(async () => {
    [owner, member, viewer] = await Promise.all([createUser(db, "Olive"), createUser(db, "Mel"), createUser(db, "Vic")]);
    ws = await createWorkspaceFor(db, owner);
    await addMember(db, ws.id, member, "member");
    await addMember(db, ws.id, viewer, "viewer");
    projectId = (await db.project.create({ data: { workspaceId: ws.id, name: "Acme API" } })).id;
    await seedCalls(ws.id, [
      { provider: "openai", model: "gpt-4o", projectId, costMicros: 600_000, createdAt: new Date() },
      { provider: "openai", model: "gpt-4o", costMicros: 150_000, createdAt: new Date() },
      // Local calls and last month's cloud calls do not count against this month's budget.
      { runnerId: "home-pc", projectId, costMicros: 5_000, createdAt: new Date() },
      { provider: "openai", model: "gpt-4o", projectId, costMicros: 9_000_000, createdAt: new Date(Date.now() - 40 * 86_400_000) },
    ]);
  });

  it("creates budgets that start from this month's cloud spend, lists them, and audits it", async () => {
    const owners = callerFor(db, owner);
    const wsBudget = await owners.usage.upsertBudget({
      workspaceSlug: ws.slug,
      projectId: null,
      monthlyLimitMicros: 1_000_000,
      softThresholdPct: 70,
      hardLimit: true,
    });
    expect(wsBudget).toMatchObject({ scope: "workspace", name: "Workspace", spentMicros: 750_000, state: "warning" });
    const projectBudget = await owners.usage.upsertBudget({
      workspaceSlug: ws.slug,
      projectId,
      monthlyLimitMicros: 500_000,
      softThresholdPct: 80,
      hardLimit: false,
    });
    expect(projectBudget).toMatchObject({ scope: "project", name: "Acme API", spentMicros: 600_000, state: "exceeded" });
    const row = await db.budget.findUniqueOrThrow({ where: { id: projectBudget.id } });
    expect(row.scope).toBe(projectId);
    expect(row.periodStart.toISOString()).toBe(`${new Date().toISOString().slice(0, 7)}-01T00:00:00.000Z`);

    const listed = await callerFor(db, viewer).usage.budgets({ workspaceSlug: ws.slug });
    expect(listed.map((b) => [b.name, b.monthlyLimitMicros, b.softThresholdPct, b.hardLimit])).toEqual([
      ["Workspace", 1_000_000, 70, true],
      ["Acme API", 500_000, 80, false],
    ]);
    const audit = await db.auditEvent.findMany({ where: { workspaceId: ws.id, targetType: "budget" } });
    expect(audit.map((e) => e.action)).toEqual(["budget.created", "budget.created"]);
  });

  it("updates a budget in place and re-arms its alerts when the new limit is above the spend", async () => {
    const owners = callerFor(db, owner);
    const before = await db.budget.findUniqueOrThrow({ where: { workspaceId_scope: { workspaceId: ws.id, scope: projectId } } });
    await db.budget.update({ where: { id: before.id }, data: { softAlertedAt: new Date(), hardAlertedAt: new Date() } });
    const updated = await owners.usage.upsertBudget({
      workspaceSlug: ws.slug,
      projectId,
      monthlyLimitMicros: 2_000_000,
      softThresholdPct: 25,
      hardLimit: true,
    });
    expect(updated).toMatchObject({ id: before.id, monthlyLimitMicros: 2_000_000, spentMicros: 600_000, state: "warning" });
    const after = await db.budget.findUniqueOrThrow({ where: { id: before.id } });
    // 600k is below the 2M limit (hard re-armed) but above 25% of it (the soft alert stands).
    expect(after.hardAlertedAt).toBeNull();
    expect(after.softAlertedAt).not.toBeNull();
    const event = await db.auditEvent.findFirstOrThrow({ where: { workspaceId: ws.id, action: "budget.updated" } });
    expect(event.metadata).toMatchObject({ name: "Acme API", from: "$0.50", to: "$2.00" });
    expect((event.metadata as { changed: string[] }).changed.sort()).toEqual(["hardLimit", "monthlyLimitMicros", "softThresholdPct"]);
  });

  it("shows a budget whose period has not been rolled yet as unspent this month", async () => {
    const b = await db.budget.findUniqueOrThrow({ where: { workspaceId_scope: { workspaceId: ws.id, scope: "workspace" } } });
    await db.budget.update({ where: { id: b.id }, data: { periodStart: new Date("2025-01-01T00:00:00Z"), spentMicros: 999_999 } });
    const listed = await callerFor(db, owner).usage.budgets({ workspaceSlug: ws.slug });
    expect(listed.find((x) => x.id === b.id)).toMatchObject({ spentMicros: 0, state: "ok" });
  });

  it("refuses budgets from members and viewers, and invalid values from owners", async () => {
    const input = { workspaceSlug: ws.slug, projectId: null, monthlyLimitMicros: 1, softThresholdPct: 80, hardLimit: true };
    const budgetId = (await db.budget.findFirstOrThrow({ where: { workspaceId: ws.id } })).id;
    for (const user of [member, viewer]) {
      expect(await codeOf(callerFor(db, user).usage.upsertBudget({ ...input, monthlyLimitMicros: 5_000_000 }))).toBe("FORBIDDEN");
      expect(await codeOf(callerFor(db, user).usage.deleteBudget({ workspaceSlug: ws.slug, budgetId }))).toBe("FORBIDDEN");
    }
    const owners = callerFor(db, owner);
    expect(await codeOf(owners.usage.upsertBudget(input))).toBe("BAD_REQUEST");
    expect(await codeOf(owners.usage.upsertBudget({ ...input, monthlyLimitMicros: 2 ** 31 }))).toBe("BAD_REQUEST");
    expect(await codeOf(owners.usage.upsertBudget({ ...input, monthlyLimitMicros: 1_000_000, softThresholdPct: 0 }))).toBe("BAD_REQUEST");
    expect(await codeOf(owners.usage.upsertBudget({ ...input, monthlyLimitMicros: 1_000_000, softThresholdPct: 101 }))).toBe("BAD_REQUEST");
    const foreign = await db.project.create({ data: { workspaceId: (await createWorkspaceFor(db, member)).id, name: "Theirs" } });
    expect(await codeOf(owners.usage.upsertBudget({ ...input, monthlyLimitMicros: 1_000_000, projectId: foreign.id }))).toBe("NOT_FOUND");
    expect(await db.budget.count({ where: { workspaceId: ws.id } })).toBe(2);
  });

  it("deletes a budget once, with an audit entry", async () => {
    const owners = callerFor(db, owner);
    const b = await db.budget.findUniqueOrThrow({ where: { workspaceId_scope: { workspaceId: ws.id, scope: projectId } } });
    expect(await owners.usage.deleteBudget({ workspaceSlug: ws.slug, budgetId: b.id })).toEqual({ deleted: true });
    expect(await db.budget.findUnique({ where: { id: b.id } })).toBeNull();
    expect(await codeOf(owners.usage.deleteBudget({ workspaceSlug: ws.slug, budgetId: b.id }))).toBe("NOT_FOUND");
    const event = await db.auditEvent.findFirstOrThrow({ where: { workspaceId: ws.id, action: "budget.deleted" } });
    expect(event).toMatchObject({ targetId: b.id, metadata: { name: "Acme API", limit: "$2.00" } });
  });

  it("refuses to delete the plan's included allowance, which follows the plan", async () => {
    const plan = await db.budget.create({
      data: { workspaceId: ws.id, scope: "plan", monthlyLimitMicros: 5_000_000, periodStart: monthStart(new Date()) },
    });
    const err = await callerFor(db, owner)
      .usage.deleteBudget({ workspaceSlug: ws.slug, budgetId: plan.id })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringMatching(/plan's included cloud allowance is not a budget you can delete/),
    });
    expect(await db.budget.findUnique({ where: { id: plan.id } })).not.toBeNull();
    await db.budget.delete({ where: { id: plan.id } });
  });
});

describe("provider key", () => {
  it("saves the owner's OpenAI key, shows it masked to members, and removes it", async () => {
    const [owner, member] = await Promise.all([createUser(db), createUser(db)]);
    const ws = await createWorkspaceFor(db, owner);
    await addMember(db, ws.id, member, "member");
    const secret = "sk-proj-Abcdefghijklmnop1234WXYZ";

    expect(await callerFor(db, member).providerKey.get({ workspaceSlug: ws.slug })).toBeNull();
    expect(await codeOf(callerFor(db, member).providerKey.save({ workspaceSlug: ws.slug, key: secret }))).toBe("FORBIDDEN");
    expect(await codeOf(callerFor(db, owner).providerKey.save({ workspaceSlug: ws.slug, key: "not-a-key" }))).toBe("BAD_REQUEST");

    const saved = await callerFor(db, owner).providerKey.save({ workspaceSlug: ws.slug, key: `  ${secret}\n` });
    expect(saved).toMatchObject({ provider: "openai", masked: "sk-...WXYZ" });
    const seen = await callerFor(db, member).providerKey.get({ workspaceSlug: ws.slug });
    expect(seen?.masked).toBe("sk-...WXYZ");
    expect(JSON.stringify(await db.providerCredential.findMany({ where: { workspaceId: ws.id } }))).not.toContain(secret);

    expect(await codeOf(callerFor(db, member).providerKey.remove({ workspaceSlug: ws.slug }))).toBe("FORBIDDEN");
    expect(await callerFor(db, owner).providerKey.remove({ workspaceSlug: ws.slug })).toEqual({ removed: true });
    expect(await callerFor(db, owner).providerKey.get({ workspaceSlug: ws.slug })).toBeNull();
    const actions = (await db.auditEvent.findMany({ where: { workspaceId: ws.id }, orderBy: { createdAt: "asc" } })).map((e) => e.action);
    expect(actions).toEqual(["provider_key.saved", "provider_key.removed"]);
  });
});
