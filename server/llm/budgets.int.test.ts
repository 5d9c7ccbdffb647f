import { beforeAll, describe, expect, it } from "vitest";
import { testDb } from "../testing/db";
import { createUser, createWorkspaceFor } from "../testing/factories";
import { BudgetExhaustedError, expireReservations, monthStart, reserveBudget, rollBudgetPeriods, settleBudget } from "./budgets";

const db = testDb();
let workspaceId: string;
let projectId: string;

beforeAll(async () => {
  const owner = await createUser(db, "Budget Owner");
  workspaceId = (await createWorkspaceFor(db, owner, "Budgets")).id;
  projectId = (await db.project.create({ data: { workspaceId, name: "p" } })).id;
});

const budget = (scope: string, limit: number, extra: object = {}) =>
  db.budget.upsert({
    where: { workspaceId_scope: { workspaceId, scope } },
    create: {
      workspaceId,
      scope,
      projectId: scope === "workspace" ? null : scope,
      monthlyLimitMicros: limit,
      periodStart: monthStart(),
      ...extra,
    },
    update: {
      monthlyLimitMicros: limit,
      spentMicros: 0,
      reservedMicros: 0,
      periodStart: monthStart(),
      softAlertedAt: null,
      hardAlertedAt: null,
      ...extra,
    },
  });

describe("budgets", () => {
  it("100 concurrent reservations against a budget that covers 10 admit exactly 10 and never overspend", async () => {
    await budget("workspace", 10_000);
    const results = await Promise.allSettled(Array.from({ length: 100 }, () => reserveBudget(db, workspaceId, null, 1000)));
    const admitted = results.filter((r) => r.status === "fulfilled");
    expect(admitted).toHaveLength(10);
    expect(
      results.filter((r) => r.status === "rejected").every((r) => (r as PromiseRejectedResult).reason instanceof BudgetExhaustedError),
    ).toBe(true);
    await Promise.all(
      admitted.map((r) => settleBudget(db, (r as PromiseFulfilledResult<Awaited<ReturnType<typeof reserveBudget>>>).value, 1000)),
    );
    const b = await db.budget.findUniqueOrThrow({ where: { workspaceId_scope: { workspaceId, scope: "workspace" } } });
    expect(b.spentMicros).toBe(10_000);
    expect(b.reservedMicros).toBe(0);
    await expect(reserveBudget(db, workspaceId, null, 1)).rejects.toThrow(/workspace budget for cloud models is spent/);
  });

  it("checks the project's budget too, naming it, and a refused call holds nothing", async () => {
    await budget("workspace", 1_000_000);
    await budget(projectId, 500);
    const err = await reserveBudget(db, workspaceId, projectId, 600).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BudgetExhaustedError);
    expect((err as Error).message).toMatch(/budget of project "p"/);
    const ws = await db.budget.findUniqueOrThrow({ where: { workspaceId_scope: { workspaceId, scope: "workspace" } } });
    expect(ws.reservedMicros).toBe(0);
    const ok = await reserveBudget(db, workspaceId, projectId, 400);
    expect(ok.rows).toHaveLength(2);
    await settleBudget(db, ok, 100); // the true cost was lower than the estimate
    const p = await db.budget.findUniqueOrThrow({ where: { workspaceId_scope: { workspaceId, scope: projectId } } });
    expect([p.spentMicros, p.reservedMicros]).toEqual([100, 0]);
    await settleBudget(db, ok, 100); // settling twice changes nothing
    expect((await db.budget.findUniqueOrThrow({ where: { id: p.id } })).spentMicros).toBe(100);
  });

  it("a soft limit only alerts; alerts go to owners once per level", async () => {
    await db.budget.deleteMany({ where: { workspaceId } });
    const since = new Date();
    await budget("workspace", 1000, { hardLimit: false, softThresholdPct: 50 });
    const r1 = await reserveBudget(db, workspaceId, null, 600);
    await settleBudget(db, r1, 600);
    const r2 = await reserveBudget(db, workspaceId, null, 600); // past the limit: allowed, soft only
    await settleBudget(db, r2, 600);
    const b = await db.budget.findUniqueOrThrow({ where: { workspaceId_scope: { workspaceId, scope: "workspace" } } });
    expect(b.softAlertedAt).not.toBeNull();
    expect(b.hardAlertedAt).not.toBeNull();
    const mails = await db.devMail.findMany({
      where: { subject: { startsWith: "Jace: the workspace budget" }, createdAt: { gte: since } },
    });
    expect(mails.map((m) => m.subject).sort()).toEqual(["Jace: the workspace budget is spent", "Jace: the workspace budget passed 50%"]);
  });

  it("expired reservations are released and a new month starts a new period", async () => {
    await budget("workspace", 1000);
    const r = await reserveBudget(db, workspaceId, null, 700);
    expect(await expireReservations(db, new Date(Date.now() + 60 * 60_000))).toBeGreaterThanOrEqual(1);
    let b = await db.budget.findUniqueOrThrow({ where: { workspaceId_scope: { workspaceId, scope: "workspace" } } });
    expect(b.reservedMicros).toBe(0);
    await settleBudget(db, r, 700); // the late settle of an expired reservation is ignored
    await db.budget.update({ where: { id: b.id }, data: { spentMicros: 900, periodStart: new Date(Date.UTC(2020, 0, 1)) } });
    expect(await rollBudgetPeriods(db)).toBeGreaterThanOrEqual(1);
    b = await db.budget.findUniqueOrThrow({ where: { id: b.id } });
    expect([b.spentMicros, b.periodStart.getTime()]).toEqual([0, monthStart().getTime()]);
  });

  it("a hold that is never settled blocks the budget until it expires, and expiry releases it", async () => {
    await budget("workspace", 1000, { hardLimit: true });
    await reserveBudget(db, workspaceId, null, 900); // its caller died before settling
    await expect(reserveBudget(db, workspaceId, null, 200)).rejects.toThrow(BudgetExhaustedError);
    await expireReservations(db, new Date(Date.now() + 60 * 60_000));
    const b = await db.budget.findUniqueOrThrow({ where: { workspaceId_scope: { workspaceId, scope: "workspace" } } });
    expect([b.spentMicros, b.reservedMicros]).toEqual([0, 0]);
    await settleBudget(db, await reserveBudget(db, workspaceId, null, 200), 0);
  });

  it("a plan allowance that changed is put right and reserved in the same call", async () => {
    await db.budget.deleteMany({ where: { workspaceId } });
    const r1 = await reserveBudget(db, workspaceId, null, 100, { planAllowanceMicros: 1000 });
    expect(r1.rows).toHaveLength(1);
    await settleBudget(db, r1, 100);
    const r2 = await reserveBudget(db, workspaceId, null, 100, { planAllowanceMicros: 5000 });
    await settleBudget(db, r2, 100);
    const plan = await db.budget.findUniqueOrThrow({ where: { workspaceId_scope: { workspaceId, scope: "plan" } } });
    expect([plan.monthlyLimitMicros, plan.spentMicros, plan.reservedMicros]).toEqual([5000, 200, 0]);
    await db.budget.deleteMany({ where: { workspaceId, scope: "plan" } });
  });

  it("a soft budget keeps counting past its limit without overflowing the integer column", async () => {
    await budget("workspace", 1000, { hardLimit: false, spentMicros: 2_147_483_000 });
    const r = await reserveBudget(db, workspaceId, null, 5000);
    await settleBudget(db, r, 5000);
    const b = await db.budget.findUniqueOrThrow({ where: { workspaceId_scope: { workspaceId, scope: "workspace" } } });
    expect([b.spentMicros, b.reservedMicros]).toEqual([2_147_483_647, 0]);
    await db.budget.update({ where: { id: b.id }, data: { spentMicros: 0, hardLimit: true } });
  });

  it("a call rolls only its own workspace's stale periods (the cron rolls the rest)", async () => {
    const other = await createWorkspaceFor(db, await createUser(db, "Other Budget Owner"), "Other budgets");
    const old = new Date(Date.UTC(2020, 0, 1));
    const stale = await db.budget.create({
      data: { workspaceId: other.id, scope: "workspace", monthlyLimitMicros: 1000, spentMicros: 900, periodStart: old },
    });
    await budget("workspace", 1000, { spentMicros: 900, periodStart: old });
    const r = await reserveBudget(db, workspaceId, null, 500); // fits only because this workspace's period rolled
    await settleBudget(db, r, 0);
    expect((await db.budget.findUniqueOrThrow({ where: { id: stale.id } })).periodStart).toEqual(old);
  });
});
