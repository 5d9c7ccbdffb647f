import { Inngest } from "inngest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setInngest } from "@/inngest/client";
import { testDb } from "../../testing/db";
import { createUser, createWorkspaceFor } from "../../testing/factories";
import { createTask } from "./intake";

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
});
