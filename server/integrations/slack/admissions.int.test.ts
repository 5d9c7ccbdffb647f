import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { setInngest } from "@/inngest/client";
import { startHarness, type Harness } from "@/inngest/executor/test-harness";
import type { PlanId } from "@/server/features/billing/plans";
import { createTask } from "@/server/features/tasks/intake";
import { monthKey } from "@/server/features/usage/period";
import { testDb } from "@/server/testing/db";
import { createUser, createWorkspaceFor } from "@/server/testing/factories";
import { createSlackTask } from "./admissions";

/**
 * The drain's group-committed intake: a burst of one workspace's commands is written in one
 * transaction, yet each command gets exactly what createTask would give it alone (its number, its
 * refusal, the first task of a repeated delivery), and one refusal never fails its neighbours.
 */

const db = testDb();
let executor: Harness;

beforeAll(async () => {
  // An executor with no functions: task/created is accepted and nothing runs (the pipeline is not under test).
  executor = await startHarness(() => []);
  setInngest(executor.inngest);
}, 60_000);

afterAll(async () => {
  await executor?.close();
  setInngest(undefined);
});

async function team(name: string, plan: PlanId = "enterprise") {
  const owner = await createUser(db, name);
  const ws = await createWorkspaceFor(db, owner, name, plan);
  const project = await db.project.create({ data: { workspaceId: ws.id, name: "api" } });
  const actor = { type: "user" as const, id: owner.id, label: owner.email };
  const submit = (question: string, deliveryId = `${ws.id}-${question}`) =>
    createSlackTask(db, ws.id, actor, { projectId: project.id, task: { kind: "ask", question } }, { source: "slack", deliveryId });
  return { ws, project, actor, submit };
}

const outcomes = (results: PromiseSettledResult<{ created: boolean }>[]) =>
  results.map((r) => (r.status === "fulfilled" ? (r.value.created ? "created" : "existing") : (r.reason as Error).message));

describe("Slack intake in bursts", () => {
  it("writes a burst of 30 in a few transactions, numbered without gaps, each with its log line and audit entry", async () => {
    const t = await team("Burst");
    const transactions = vi.spyOn(db, "$transaction");
    try {
      const results = await Promise.all(Array.from({ length: 30 }, (_, i) => t.submit(`question ${i}?`)));
      expect(results.every((r) => r.created)).toBe(true);
      // The first alone at once, the 29 that arrived meanwhile together.
      expect(transactions.mock.calls.length).toBeGreaterThanOrEqual(1);
      expect(transactions.mock.calls.length).toBeLessThanOrEqual(3);
    } finally {
      transactions.mockRestore();
    }
    const tasks = await db.task.findMany({ where: { workspaceId: t.ws.id }, orderBy: { number: "asc" } });
    expect(tasks.map((x) => x.number)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(new Set(tasks.map((x) => x.title))).toEqual(new Set(Array.from({ length: 30 }, (_, i) => `question ${i}?`)));
    expect(await db.taskLog.count({ where: { taskId: { in: tasks.map((x) => x.id) } } })).toBe(30);
    expect(await db.auditEvent.count({ where: { workspaceId: t.ws.id, action: "task.created" } })).toBe(30);
    expect((await db.workspace.findUniqueOrThrow({ where: { id: t.ws.id } })).taskCounter).toBe(30);
  });

  it("reaching the month's cap inside a burst refuses only the commands past it, and stores nothing for them", async () => {
    const t = await team("Capped", "pro");
    await db.usageCounter.create({ data: { workspaceId: t.ws.id, period: monthKey(new Date()), tasks: 1997 } });
    const results = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => t.submit(`capped ${i}?`)));
    const said = outcomes(results);
    expect(said.filter((s) => s === "created")).toHaveLength(3);
    const refused = said.filter((s) => s !== "created");
    expect(refused).toHaveLength(5);
    for (const message of refused) expect(message).toMatch(/Pro plan monthly task quota of 2000 reached/);
    const tasks = await db.task.findMany({ where: { workspaceId: t.ws.id }, orderBy: { number: "asc" } });
    expect(tasks.map((x) => x.number)).toEqual([1, 2, 3]);
    const usage = await db.usageCounter.findFirstOrThrow({ where: { workspaceId: t.ws.id } });
    expect(usage.tasks).toBe(2000);
    expect(await db.auditEvent.count({ where: { workspaceId: t.ws.id, action: "task.created" } })).toBe(3);
  });

  it("a repeated delivery inside a burst gets the first task, and the burst's other commands their own", async () => {
    const t = await team("Repeat");
    const first = await createTask(
      db,
      t.ws.id,
      t.actor,
      { projectId: t.project.id, task: { kind: "ask", question: "asked before?" } },
      { source: "slack", deliveryId: "repeat-1" },
    );
    const results = await Promise.allSettled([
      t.submit("one?"),
      t.submit("two?"),
      t.submit("asked before?", "repeat-1"),
      t.submit("three?"),
      t.submit("four?"),
    ]);
    expect(outcomes(results)).toEqual(["created", "created", "existing", "created", "created"]);
    const repeated = results[2] as PromiseFulfilledResult<{ task: { id: string } }>;
    expect(repeated.value.task.id).toBe(first.task.id);
    const tasks = await db.task.findMany({ where: { workspaceId: t.ws.id }, orderBy: { number: "asc" } });
    expect(tasks.map((x) => x.number)).toEqual([1, 2, 3, 4, 5]);
    expect(await db.task.count({ where: { workspaceId: t.ws.id, sourceDeliveryId: "repeat-1" } })).toBe(1);
  });

  it("an archived project refuses each command of the burst as createTask does, beside another workspace's burst", async () => {
    const archived = await team("Archived");
    await db.project.update({ where: { id: archived.project.id }, data: { archivedAt: new Date() } });
    const open = await team("Open");
    const [refused, fine] = await Promise.all([
      Promise.allSettled(Array.from({ length: 4 }, (_, i) => archived.submit(`archived ${i}?`))),
      Promise.allSettled(Array.from({ length: 4 }, (_, i) => open.submit(`open ${i}?`))),
    ]);
    expect(outcomes(refused)).toEqual(Array(4).fill('Project "api" is archived. Unarchive it or pick another project.'));
    expect(outcomes(fine)).toEqual(Array(4).fill("created"));
    expect(await db.task.count({ where: { workspaceId: archived.ws.id } })).toBe(0);
    expect((await db.workspace.findUniqueOrThrow({ where: { id: archived.ws.id } })).taskCounter).toBe(0);
  });
});
