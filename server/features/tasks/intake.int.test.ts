import { Inngest } from "inngest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setInngest } from "@/inngest/client";
import { testDb } from "../../testing/db";
import { createUser, createWorkspaceFor } from "../../testing/factories";
import { AppError } from "@/server/errors";
import type { PlanId } from "../billing/plans";
import { flushRateLimits } from "../billing/rate-limit";
import { monthKey } from "../usage/period";
import { createTask, replayTask } from "./intake";

const db = testDb();

beforeAll(() => {
  // Nothing listens there: intake must still store the task (the sweep sends the event later).
  setInngest(
    new Inngest({
      id: "intake-test",
      isDev: true,
      eventKey: "test",
      baseUrl: "http://127.0.0.1:9/",
      logger: { info() {}, warn() {}, error() {}, debug() {} },
    }),
  );
});
afterAll(() => setInngest(undefined));

describe("task intake", () => {
  it("numbers a burst of 100 simultaneous tasks in one workspace 1..100, none lost", async () => {
    const owner = await createUser(db, "Burst");
    const ws = await createWorkspaceFor(db, owner, "Burst");
    await db.project.create({ data: { workspaceId: ws.id, name: "p" } });
    const actor = { type: "user" as const, id: owner.id, label: owner.email };
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) => createTask(db, ws.id, actor, { task: { kind: "ask", question: `q${i}` } }, { source: "api" })),
    );
    expect(results.map((r) => r.task.number).sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(await db.task.count({ where: { workspaceId: ws.id, status: "queued" } })).toBe(100);
  });

  it("refuses a workspace without a project, or an archived project, storing nothing", async () => {
    const owner = await createUser(db, "No project");
    const ws = await createWorkspaceFor(db, owner, "Empty");
    const actor = { type: "user" as const, id: owner.id, label: owner.email };
    await expect(createTask(db, ws.id, actor, { task: { kind: "ask", question: "?" } }, { source: "web" })).rejects.toThrow(
      /no project yet/,
    );
    const archived = await db.project.create({ data: { workspaceId: ws.id, name: "old", archivedAt: new Date() } });
    await expect(
      createTask(db, ws.id, actor, { projectId: archived.id, task: { kind: "ask", question: "?" } }, { source: "web" }),
    ).rejects.toThrow(/is archived/);
    expect(await db.task.count({ where: { workspaceId: ws.id } })).toBe(0);
  });

  it("returns the first task for a repeated delivery id without taking a number or counting it again", async () => {
    const { ws, actor } = await workspaceOn("free");
    const first = await createTask(db, ws.id, actor, ask("once"), { source: "slack", deliveryId: "trigger-1" });
    const again = await createTask(db, ws.id, actor, ask("once"), { source: "slack", deliveryId: "trigger-1" });
    expect(again).toEqual({ task: expect.objectContaining({ id: first.task.id }), created: false });
    const next = await createTask(db, ws.id, actor, ask("next"), { source: "web" });
    expect(next.task.number).toBe(2);
    expect(await tasksThisMonth(ws.id)).toBe(2);
    expect(await db.auditEvent.count({ where: { workspaceId: ws.id, action: "task.created" } })).toBe(2);
    expect(await db.taskLog.count({ where: { taskId: first.task.id } })).toBe(1);
  });

  it("returns the first task for a repeated delivery even once the month's quota is used up", async () => {
    const { ws, actor } = await workspaceOn("free");
    const first = await createTask(db, ws.id, actor, ask("early"), { source: "slack", deliveryId: "trigger-early" });
    await db.usageCounter.update({
      where: { workspaceId_period: { workspaceId: ws.id, period: monthKey(new Date()) } },
      data: { tasks: 100 },
    });
    const again = await createTask(db, ws.id, actor, ask("early"), { source: "slack", deliveryId: "trigger-early" });
    expect(again.task.id).toBe(first.task.id);
    await expect(createTask(db, ws.id, actor, ask("new"), { source: "slack", deliveryId: "trigger-new" })).rejects.toThrow(
      /monthly task quota of 100 reached/,
    );
  });

  it("admits exactly the free concurrent slots of 20 simultaneous submissions", async () => {
    const { ws, actor } = await workspaceOn("free");
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => createTask(db, ws.id, actor, ask(`r${i}`), { source: "api" })),
    );
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");

    expect(results.length - refused.length).toBe(2);
    expect(
      refused.every((r) => r.reason instanceof AppError && /concurrent task limit of 2 reached \(2 tasks running\)/.test(r.reason.message)),
    ).toBe(true);
    expect(await db.task.count({ where: { workspaceId: ws.id } })).toBe(2);
    expect(await tasksThisMonth(ws.id)).toBe(2);
  });

  it("does not hold a concurrent slot for a task awaiting approval, and counts it again once approved", async () => {
    const { ws, actor } = await workspaceOn("free");
    const a = await createTask(db, ws.id, actor, ask("a"), { source: "web" });
    const b = await createTask(db, ws.id, actor, ask("b"), { source: "web" });
    const active = async () => (await db.workspace.findUniqueOrThrow({ where: { id: ws.id } })).activeTasks;
    expect(await active()).toBe(2);
    await db.task.updateMany({ where: { id: { in: [a.task.id, b.task.id] } }, data: { status: "awaiting_approval" } });
    expect(await active()).toBe(0);
    await createTask(db, ws.id, actor, ask("c"), { source: "web" });
    await createTask(db, ws.id, actor, ask("d"), { source: "web" });
    await expect(createTask(db, ws.id, actor, ask("e"), { source: "web" })).rejects.toThrow(/concurrent task limit/);
    await db.task.update({ where: { id: a.task.id }, data: { status: "running" } });
    expect(await active()).toBe(3);
    await db.task.updateMany({ where: { workspaceId: ws.id, status: { not: "awaiting_approval" } }, data: { status: "succeeded" } });
    await db.task.delete({ where: { id: b.task.id } });
    expect(await active()).toBe(0);
  });

  it("replays a Slack task as a web (or API) task that answers where it was asked and is not a webhook request", async () => {
    const { ws, actor } = await workspaceOn("free");
    const original = await createTask(db, ws.id, actor, ask("from slack"), {
      source: "slack",
      deliveryId: "t-1",
      replyTo: { channel: "C1", threadTs: "1.2" },
    });
    await db.task.update({ where: { id: original.task.id }, data: { status: "succeeded" } });
    const { task: web } = await replayTask(db, ws.id, actor, original.task.id);
    expect(web).toMatchObject({ source: "web", replyTo: {}, replayOfId: original.task.id });
    await db.task.update({ where: { id: web.id }, data: { status: "succeeded" } });
    const { task: api } = await replayTask(db, ws.id, { type: "api_key", id: "key-1", label: "API key ci" }, original.task.id);
    expect(api.source).toBe("api");
    // Only the Slack submission counted as a webhook request.
    await flushRateLimits();
    const window = await db.rateLimitWindow.findMany({ where: { key: `webhook:${ws.id}` } });
    expect(window.map((w) => w.count)).toEqual([1]);
  });

  it("says how far over the monthly quota a downgraded workspace is", async () => {
    const { ws, actor } = await workspaceOn("free");
    await db.usageCounter.create({ data: { workspaceId: ws.id, period: monthKey(new Date()), tasks: 150 } });
    await expect(createTask(db, ws.id, actor, ask("over"), { source: "web" })).rejects.toThrow(
      /Free plan monthly task quota of 100 reached \(150 tasks this month\)/,
    );
  });
});

async function workspaceOn(plan: PlanId) {
  const owner = await createUser(db, "Owner");
  const ws = await createWorkspaceFor(db, owner, `Intake ${plan}`, plan);
  await db.project.create({ data: { workspaceId: ws.id, name: "p" } });
  return { ws, actor: { type: "user" as const, id: owner.id, label: owner.email } };
}

const ask = (q: string) => ({ task: { kind: "ask" as const, question: q } });

async function tasksThisMonth(workspaceId: string): Promise<number> {
  const row = await db.usageCounter.findUnique({ where: { workspaceId_period: { workspaceId, period: monthKey(new Date()) } } });
  return row?.tasks ?? 0;
}
