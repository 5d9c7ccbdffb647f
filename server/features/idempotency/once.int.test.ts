import { randomUUID } from "node:crypto";
import { Inngest } from "inngest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setInngest } from "@/inngest/client";
import { AppError } from "@/server/errors";
import { testDb } from "@/server/testing/db";
import { callerFor, createUser, createWorkspaceFor } from "@/server/testing/factories";

const db = testDb();

beforeAll(() => {
  // Nothing listens there: intake still stores the task (the sweep sends the event later).
  setInngest(
    new Inngest({
      id: "idempotency-test",
      isDev: true,
      eventKey: "test",
      baseUrl: "http://127.0.0.1:9/",
      logger: { info() {}, warn() {}, error() {}, debug() {} },
    }),
  );
});
afterAll(() => setInngest(undefined));

async function setup() {
  const owner = await createUser(db, "Idem");
  const ws = await createWorkspaceFor(db, owner, "Idem");
  return { owner, ws, api: callerFor(db, owner), workspaceSlug: ws.slug };
}

/** Two submissions of one form instance at the same moment, as a double click sends them. */
const twice = <T>(submit: () => Promise<T>) => Promise.all([submit(), submit()]);

describe("creating forms submitted twice with one key", () => {
  it("start one task; the repeat returns it", async () => {
    const { ws, api, workspaceSlug } = await setup();
    await db.project.create({ data: { workspaceId: ws.id, name: "p" } });
    const idempotencyKey = randomUUID();
    const [a, b] = await twice(() => api.task.create({ workspaceSlug, idempotencyKey, task: { kind: "ask", question: "Why?" } }));
    expect(b.taskId).toBe(a.taskId);
    expect([a.created, b.created].sort()).toEqual([false, true]);
    expect(await db.task.count({ where: { workspaceId: ws.id } })).toBe(1);
    expect((await db.usageCounter.findFirstOrThrow({ where: { workspaceId: ws.id } })).tasks).toBe(1);
    // Without a key (older clients, the REST API without the header) each submission is a task.
    await api.task.create({ workspaceSlug, task: { kind: "ask", question: "Why?" } });
    expect(await db.task.count({ where: { workspaceId: ws.id } })).toBe(2);
  });

  it("refuse a task key reused with other input, storing nothing", async () => {
    const { ws, api, workspaceSlug } = await setup();
    await db.project.create({ data: { workspaceId: ws.id, name: "p" } });
    const idempotencyKey = randomUUID();
    await api.task.create({ workspaceSlug, idempotencyKey, task: { kind: "ask", question: "One" } });
    const err = await api.task.create({ workspaceSlug, idempotencyKey, task: { kind: "ask", question: "Two" } }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/already submitted as task #1 with other values/);
    expect(await db.task.count({ where: { workspaceId: ws.id } })).toBe(1);
  });

  it("replay once for a double click of one Replay button; the key reused elsewhere is refused", async () => {
    const { ws, api, workspaceSlug } = await setup();
    await db.project.create({ data: { workspaceId: ws.id, name: "p" } });
    const original = await api.task.create({ workspaceSlug, task: { kind: "ask", question: "Again?" } });
    const idempotencyKey = randomUUID();
    const [a, b] = await twice(() => api.task.replay({ workspaceSlug, taskId: original.taskId, idempotencyKey }));
    expect(b.taskId).toBe(a.taskId);
    expect([a.created, b.created].sort()).toEqual([false, true]);
    expect(await db.task.count({ where: { workspaceId: ws.id, replayOfId: original.taskId } })).toBe(1);
    // The page now shows the replay; a button that kept the old key would get the first replay back.
    const err = await api.task.replay({ workspaceSlug, taskId: a.taskId, idempotencyKey }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "UNPROCESSABLE_CONTENT" });
    expect((err as Error).message).toMatch(/already used for task #2/);
    expect(await db.task.count({ where: { workspaceId: ws.id } })).toBe(2);
  });

  it("send one invitation, whose link stays valid", async () => {
    const { ws, api, workspaceSlug } = await setup();
    const idempotencyKey = randomUUID();
    const [a, b] = await twice(() => api.member.invite({ workspaceSlug, idempotencyKey, email: "Pat@example.com", role: "member" }));
    expect(b.id).toBe(a.id);
    const invitations = await db.invitation.findMany({ where: { workspaceId: ws.id } });
    expect(invitations.map((i) => [i.id, i.revokedAt])).toEqual([[a.id, null]]);
    expect(await db.devMail.count({ where: { to: "pat@example.com" } })).toBe(1);
  });

  it("create one enrollment token and show the same command both times", async () => {
    const { ws, api, workspaceSlug } = await setup();
    const idempotencyKey = randomUUID();
    const [a, b] = await twice(() => api.runner.createEnrollmentToken({ workspaceSlug, idempotencyKey, labels: ["gpu"] }));
    expect(b).toEqual(a);
    expect(b.expiresAt).toBeInstanceOf(Date);
    expect(await db.runnerEnrollmentToken.count({ where: { workspaceId: ws.id } })).toBe(1);
    // The command holds the token: the stored response is sealed, never plain.
    const stored = await db.idempotentRequest.findMany({ where: { key: idempotencyKey } });
    expect(stored).toHaveLength(1);
    expect(stored[0]!.response).not.toContain(a.token);
  });

  it("create one project, one API key (same secret), one workspace and one budget change", async () => {
    const { owner, ws, api, workspaceSlug } = await setup();
    const [p1, p2] = await twice(() => api.project.create({ workspaceSlug, idempotencyKey: "project-form-1", name: "Website" }));
    expect(p2.id).toBe(p1.id);
    expect(await db.project.count({ where: { workspaceId: ws.id } })).toBe(1);

    const [k1, k2] = await twice(() => api.apiKey.create({ workspaceSlug, idempotencyKey: "key-form-1", name: "CI" }));
    expect(k2.secret).toBe(k1.secret);
    expect(await db.apiKey.count({ where: { workspaceId: ws.id } })).toBe(1);

    const [w1, w2] = await twice(() =>
      api.workspace.create({ idempotencyKey: "ws-form-1", name: "Second", slug: `second-${owner.id.slice(-6)}` }),
    );
    expect(w2.id).toBe(w1.id);
    expect(await db.membership.count({ where: { userId: owner.id } })).toBe(2);

    const budget = {
      workspaceSlug,
      idempotencyKey: "budget-form-1",
      projectId: null,
      monthlyLimitMicros: 5_000_000,
      softThresholdPct: 80,
      hardLimit: true,
    };
    await twice(() => api.usage.upsertBudget(budget));
    expect(await db.auditEvent.count({ where: { workspaceId: ws.id, action: { startsWith: "budget." } } })).toBe(1);
  });

  it("refuse a key reused with other input; a key whose first submission failed can be corrected", async () => {
    const { ws, api, workspaceSlug } = await setup();
    await api.project.create({ workspaceSlug, idempotencyKey: "form-a", name: "Taken" });
    const err = await api.project.create({ workspaceSlug, idempotencyKey: "form-a", name: "Other" }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "UNPROCESSABLE_CONTENT" });
    expect((err as Error).message).toMatch(/already submitted with different values/);
    expect(await db.project.count({ where: { workspaceId: ws.id } })).toBe(1);

    // The name is taken: the first submission of form-b fails and leaves no claim behind.
    await expect(api.project.create({ workspaceSlug, idempotencyKey: "form-b", name: "Taken" })).rejects.toThrow();
    const fixed = await api.project.create({ workspaceSlug, idempotencyKey: "form-b", name: "Fixed" });
    expect(fixed.name).toBe("Fixed");
  });

  it("keep keys apart per person and per workspace", async () => {
    const { ws, owner, api, workspaceSlug } = await setup();
    const other = await createUser(db, "Other");
    const otherWs = await createWorkspaceFor(db, other, "OtherWs");
    const a = await api.apiKey.create({ workspaceSlug, idempotencyKey: "shared", name: "CI" });
    const b = await callerFor(db, other).apiKey.create({ workspaceSlug: otherWs.slug, idempotencyKey: "shared", name: "CI" });
    expect(b.secret).not.toBe(a.secret);
    expect(await db.apiKey.count({ where: { workspaceId: { in: [ws.id, otherWs.id] } } })).toBe(2);
    expect(owner.id).not.toBe(other.id);
  });

  it("rejects a malformed key where it came from", async () => {
    const { api, workspaceSlug } = await setup();
    const err = await api.project.create({ workspaceSlug, idempotencyKey: "has spaces", name: "X" }).catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(AppError);
    expect((err as Error).message).toMatch(/visible ASCII/);
  });
});
