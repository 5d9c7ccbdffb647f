import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Inngest } from "inngest";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as approveRoute from "@/app/api/v1/tasks/[id]/approve/route";
import * as cancelRoute from "@/app/api/v1/tasks/[id]/cancel/route";
import * as logsRoute from "@/app/api/v1/tasks/[id]/logs/route";
import * as rejectRoute from "@/app/api/v1/tasks/[id]/reject/route";
import * as replayRoute from "@/app/api/v1/tasks/[id]/replay/route";
import * as taskRoute from "@/app/api/v1/tasks/[id]/route";
import * as tasksRoute from "@/app/api/v1/tasks/route";
import { setInngest } from "@/inngest/client";
import { createApiKey, revokeApiKey } from "../features/api-keys/api-keys";
import { testDb } from "../testing/db";
import { createUser, createWorkspaceFor } from "../testing/factories";

/**
 * REST v1 task routes, called as Next calls them (a Request in, a Response out) against real
 * PostgreSQL. Inngest events go through the real SDK to a loopback recorder.
 */

const db = testDb();

type SentEvent = { name: string; id?: string; data: Record<string, unknown> };
const events: SentEvent[] = [];
let recorder: Server;

beforeAll(async () => {
  recorder = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = JSON.parse(Buffer.concat(chunks).toString() || "[]") as SentEvent | SentEvent[];
      const batch = Array.isArray(body) ? body : [body];
      events.push(...batch);
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ ids: batch.map((e, i) => e.id ?? `evt-${events.length + i}`), status: 200 }));
    });
  });
  await new Promise<void>((resolve) => recorder.listen(0, "127.0.0.1", resolve));
  const baseUrl = `http://127.0.0.1:${(recorder.address() as AddressInfo).port}`;
  setInngest(new Inngest({ id: "rest-test", isDev: true, eventKey: "x", baseUrl, logger: pino({ level: "silent" }) }));
});

afterAll(async () => {
  setInngest(undefined);
  await new Promise<void>((resolve) => recorder.close(() => resolve()));
});

type Tenant = { workspaceId: string; projectId: string; key: string; apiKeyId: string; ownerId: string };

async function tenant(name = "Acme"): Promise<Tenant> {
  const owner = await createUser(db);
  const ws = await createWorkspaceFor(db, owner, name);
  const project = await db.project.create({ data: { workspaceId: ws.id, name: "api" } });
  const actor = { type: "user" as const, id: owner.id, label: owner.email };
  const { key, secret } = await createApiKey(db, ws.id, actor, null, "CI");
  return { workspaceId: ws.id, projectId: project.id, key: secret, apiKeyId: key.id, ownerId: owner.id };
}

type Init = { key?: string | null; body?: unknown; raw?: string; headers?: Record<string, string> };

function request(method: string, path: string, init: Init = {}): Request {
  const headers = new Headers(init.headers);
  if (init.key) headers.set("authorization", `Bearer ${init.key}`);
  const body = init.raw ?? (init.body === undefined ? undefined : JSON.stringify(init.body));
  if (body !== undefined) headers.set("content-type", "application/json");
  return new Request(`http://localhost${path}`, { method, headers, body });
}

type TaskHandler = (req: Request, route: { params: Promise<{ id: string }> }) => Promise<Response>;

const onTask = (handler: TaskHandler, method: string, id: string, suffix: string, init: Init) =>
  handler(request(method, `/api/v1/tasks/${encodeURIComponent(id)}${suffix}`, init), {
    params: Promise.resolve({ id }),
  });

const api = {
  create: (init: Init) => tasksRoute.POST(request("POST", "/api/v1/tasks", init)),
  list: (key: string, query = "") => tasksRoute.GET(request("GET", `/api/v1/tasks${query}`, { key })),
  get: (key: string, id: string) => onTask(taskRoute.GET, "GET", id, "", { key }),
  logs: (key: string, id: string, query = "") => onTask(logsRoute.GET, "GET", id, `/logs${query}`, { key }),
  cancel: (key: string, id: string) => onTask(cancelRoute.POST, "POST", id, "/cancel", { key }),
  approve: (key: string, id: string) => onTask(approveRoute.POST, "POST", id, "/approve", { key }),
  reject: (key: string, id: string, body?: unknown) => onTask(rejectRoute.POST, "POST", id, "/reject", { key, body }),
  replay: (key: string, id: string) => onTask(replayRoute.POST, "POST", id, "/replay", { key }),
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are checked field by field
type Json = any;

async function json(response: Response | Promise<Response>, status: number): Promise<Json> {
  const r = await response;
  const body: Json = await r.json();
  expect(r.status, JSON.stringify(body)).toBe(status);
  return body;
}

const ask = (question: string) => ({ task: { kind: "ask", question } });
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

async function createAsk(t: Tenant, question = "What does the deploy script do?"): Promise<Json> {
  return json(api.create({ key: t.key, body: { ...ask(question), projectId: t.projectId } }), 201);
}

describe("REST v1 tasks", () => {
  it("creates a task from a JSON body (201), as the API key, and sends task/created", async () => {
    const t = await tenant();
    const task = await createAsk(t);
    expect(task).toMatchObject({
      number: 1,
      kind: "ask",
      source: "api",
      status: "queued",
      projectId: t.projectId,
      projectName: "api",
      createdByLabel: "API key CI",
      input: { kind: "ask", question: "What does the deploy script do?" },
      steps: [],
      artifacts: [],
      replays: [],
    });
    expect(task.createdAt).toMatch(ISO);
    expect(await db.task.count({ where: { workspaceId: t.workspaceId } })).toBe(1);
    const audit = await db.auditEvent.findFirstOrThrow({ where: { workspaceId: t.workspaceId, action: "task.created" } });
    expect(audit).toMatchObject({ actorType: "api_key", actorId: t.apiKeyId, targetId: task.id });
    expect(events).toContainEqual(expect.objectContaining({ name: "task/created", data: { taskId: task.id, workspaceId: t.workspaceId } }));
  });

  it("returns the first task (200) for a repeated Idempotency-Key and stores one row", async () => {
    const t = await tenant();
    const headers = { "Idempotency-Key": "deploy-2024-06-01" };
    const first = await json(api.create({ key: t.key, body: ask("first"), headers }), 201);
    const again = await api.create({ key: t.key, body: ask("a different body"), headers });
    expect(again.status).toBe(200);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(((await again.json()) as Json).id).toBe(first.id);
    expect(await db.task.count({ where: { workspaceId: t.workspaceId } })).toBe(1);
    expect(events.filter((e) => e.name === "task/created" && e.data.taskId === first.id)).toHaveLength(1);
    // Another workspace may use the same key for its own task.
    const other = await tenant("Other");
    const theirs = await json(api.create({ key: other.key, body: ask("first"), headers }), 201);
    expect(theirs.id).not.toBe(first.id);
  });

  it.each<[string, Init, (string | number)[]]>([
    ["a question that is empty", { body: ask("  ") }, ["task", "question"]],
    ["an unknown kind", { body: { task: { kind: "deploy" } } }, ["task", "kind"]],
    ["a title over 200 characters", { body: { ...ask("q"), title: "t".repeat(201) } }, ["title"]],
    ["a body that is not an object", { body: ["ask"] }, []],
    ["no body", {}, ["task"]],
    ["malformed JSON", { raw: '{"task": {' }, []],
    ["a bad Idempotency-Key", { body: ask("q"), headers: { "Idempotency-Key": "has spaces in it" } }, ["Idempotency-Key"]],
  ])("rejects %s with 400, the issue's path, and stores nothing", async (_name, init, path) => {
    const t = await tenant();
    const body = await json(api.create({ ...init, key: t.key }), 400);
    expect(body.error).toMatchObject({ code: "BAD_REQUEST", message: expect.stringMatching(/^Invalid /), requestId: expect.any(String) });
    expect(body.error.details.issues).toContainEqual(expect.objectContaining({ path, message: expect.any(String) }));
    expect(await db.task.count({ where: { workspaceId: t.workspaceId } })).toBe(0);
  });

  it("refuses a body over 64 KB with 413 and stores nothing", async () => {
    const t = await tenant();
    const body = await json(api.create({ key: t.key, body: { ...ask("q"), title: "x".repeat(70 * 1024) } }), 413);
    expect(body.error).toMatchObject({ code: "PAYLOAD_TOO_LARGE", message: expect.stringContaining("64 KB") });
    // A declared length over the limit is refused before the body is read.
    const declared = new Request("http://localhost/api/v1/tasks", {
      method: "POST",
      headers: { authorization: `Bearer ${t.key}`, "content-length": String(1024 * 1024) },
      body: JSON.stringify(ask("q")),
    });
    expect((await tasksRoute.POST(declared)).status).toBe(413);
    expect(await db.task.count({ where: { workspaceId: t.workspaceId } })).toBe(0);
  });

  it("refuses a missing, unknown or revoked key with 401 on collection and task routes", async () => {
    const t = await tenant();
    const task = await createAsk(t);
    expect((await json(api.list(""), 401)).error.code).toBe("UNAUTHORIZED");
    expect((await json(api.get("jace_not-a-real-key", task.id), 401)).error.message).toMatch(/Unknown API key/);
    await revokeApiKey(db, t.workspaceId, { type: "user", id: t.ownerId, label: "owner" }, null, t.apiKeyId);
    expect((await json(api.create({ key: t.key, body: ask("q") }), 401)).error.message).toMatch(/revoked/);
    expect((await json(api.cancel(t.key, task.id), 401)).error.code).toBe("UNAUTHORIZED");
    expect((await db.task.findUniqueOrThrow({ where: { id: task.id } })).status).toBe("queued");
  });

  it("lists tasks newest first, filtered, one page at a time", async () => {
    const t = await tenant();
    const a = await createAsk(t, "one");
    const b = await createAsk(t, "two");
    const c = await json(api.create({ key: t.key, body: { task: { kind: "test", repository: "https://github.com/acme/api" } } }), 201);
    await db.task.update({ where: { id: a.id }, data: { status: "succeeded" } });

    const page1 = await json(api.list(t.key, "?limit=2"), 200);
    expect(page1.data.map((x: Json) => x.id)).toEqual([c.id, b.id]);
    expect(page1.data[0].createdAt).toMatch(ISO);
    const page2 = await json(api.list(t.key, `?limit=2&cursor=${page1.nextCursor}`), 200);
    expect(page2).toMatchObject({ data: [{ id: a.id }], nextCursor: null });

    expect((await json(api.list(t.key, "?kind=test"), 200)).data.map((x: Json) => x.id)).toEqual([c.id]);
    expect((await json(api.list(t.key, "?status=succeeded&source=api"), 200)).data.map((x: Json) => x.id)).toEqual([a.id]);
    expect((await json(api.list(t.key, `?projectId=${t.projectId}&status=`), 200)).data).toHaveLength(3);

    const bad = await json(api.list(t.key, "?limit=0&status=done"), 400);
    expect(bad.error.details.issues.map((i: Json) => i.path)).toEqual(expect.arrayContaining([["limit"], ["status"]]));
  });

  it("gets a task by id or by number, and reads its log after a line id", async () => {
    const t = await tenant();
    const task = await createAsk(t);
    expect(await json(api.get(t.key, task.id), 200)).toMatchObject({ id: task.id, steps: [], artifacts: [] });
    expect((await json(api.get(t.key, String(task.number)), 200)).id).toBe(task.id);
    expect((await json(api.get(t.key, `#${task.number}`), 200)).id).toBe(task.id);

    const logs = await json(api.logs(t.key, task.id), 200);
    expect(logs.data).toEqual([
      {
        id: expect.any(Number),
        level: "info",
        step: null,
        message: "Task #1 created by API key CI from api",
        createdAt: expect.stringMatching(ISO),
      },
    ]);
    expect(logs.nextAfter).toBe(logs.data[0].id);
    expect(await json(api.logs(t.key, task.id, `?after=${logs.nextAfter}`), 200)).toEqual({ data: [], nextAfter: logs.nextAfter });
    expect((await json(api.logs(t.key, task.id, "?after=abc"), 400)).error.details.issues[0].path).toEqual(["after"]);
    expect((await json(api.get(t.key, "no-such-task"), 404)).error.code).toBe("NOT_FOUND");
  });

  it("cancels a task, sends task/cancel.requested, and refuses a second cancel with 409", async () => {
    const t = await tenant();
    const task = await createAsk(t);
    const cancelled = await json(api.cancel(t.key, task.id), 200);
    expect(cancelled).toMatchObject({ status: "cancelled", error: "Cancelled by API key CI" });
    expect(cancelled.finishedAt).toMatch(ISO);
    expect(events).toContainEqual(
      expect.objectContaining({ name: "task/cancel.requested", data: { taskId: task.id, workspaceId: t.workspaceId, by: "API key CI" } }),
    );
    expect((await json(api.cancel(t.key, task.id), 409)).error.code).toBe("CONFLICT");
  });

  it("approves only a task awaiting approval (409 otherwise) and sends task/approved", async () => {
    const t = await tenant();
    const task = await createAsk(t);
    const early = await json(api.approve(t.key, task.id), 409);
    expect(early.error.message).toMatch(/not waiting for approval/);
    expect(events.some((e) => e.name === "task/approved" && e.data.taskId === task.id)).toBe(false);

    await db.task.update({ where: { id: task.id }, data: { status: "awaiting_approval" } });
    const approved = await json(api.approve(t.key, task.id), 200);
    expect(approved).toMatchObject({ status: "awaiting_approval", statusReason: "Approved", decidedByLabel: "API key CI" });
    expect(approved.decidedAt).toMatch(ISO);
    expect(events).toContainEqual(
      expect.objectContaining({ name: "task/approved", data: { taskId: task.id, workspaceId: t.workspaceId, by: "API key CI" } }),
    );
    expect((await json(api.approve(t.key, task.id), 409)).error.code).toBe("CONFLICT");
  });

  it("rejects a plan with a reason, which cancels the task and sends task/rejected", async () => {
    const t = await tenant();
    const task = await createAsk(t);
    await db.task.update({ where: { id: task.id }, data: { status: "awaiting_approval" } });
    const tooLong = await json(api.reject(t.key, task.id, { reason: "r".repeat(1001) }), 400);
    expect(tooLong.error.details.issues[0].path).toEqual(["reason"]);

    const rejected = await json(api.reject(t.key, task.id, { reason: "Touches production" }), 200);
    expect(rejected).toMatchObject({
      status: "cancelled",
      statusReason: "Rejected",
      error: "Plan rejected by API key CI: Touches production",
    });
    expect(events).toContainEqual(
      expect.objectContaining({ name: "task/rejected", data: expect.objectContaining({ taskId: task.id, reason: "Touches production" }) }),
    );
    expect((await json(api.reject(t.key, task.id), 409)).error.code).toBe("CONFLICT");
  });

  it("replays a task as a new task linked by replayOfId (201)", async () => {
    const t = await tenant();
    const task = await createAsk(t, "Summarise the last release");
    const replay = await json(api.replay(t.key, task.id), 201);
    expect(replay).toMatchObject({ number: 2, replayOfId: task.id, input: task.input, title: task.title, createdByLabel: "API key CI" });
    expect(replay.id).not.toBe(task.id);
    expect((await json(api.get(t.key, task.id), 200)).replays).toEqual([{ id: replay.id, number: 2, status: "queued" }]);
    expect(events).toContainEqual(
      expect.objectContaining({ name: "task/created", data: { taskId: replay.id, workspaceId: t.workspaceId } }),
    );
  });

  it("returns the first replay (200) for a repeated Idempotency-Key; the key on another task is 422", async () => {
    const t = await tenant();
    const task = await createAsk(t, "Replay me once");
    const headers = { "Idempotency-Key": "replay-2024-06-01" };
    const replay = (id: string) => onTask(replayRoute.POST, "POST", id, "/replay", { key: t.key, headers });
    const first = await json(replay(task.id), 201);
    const again = await replay(task.id);
    expect(again.status).toBe(200);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(((await again.json()) as Json).id).toBe(first.id);
    expect(await db.task.count({ where: { workspaceId: t.workspaceId, replayOfId: task.id } })).toBe(1);
    expect((await json(replay(first.id), 422)).error.message).toMatch(/already used for task #2/);
    expect(await db.task.count({ where: { workspaceId: t.workspaceId } })).toBe(2);
  });

  it("answers 404 to another workspace's key on every task route and leaves the task untouched", async () => {
    const a = await tenant("A");
    const b = await tenant("B");
    const task = await createAsk(a);
    await db.task.update({ where: { id: task.id }, data: { status: "awaiting_approval" } });
    const before = await db.task.findUniqueOrThrow({ where: { id: task.id } });
    const eventsBefore = events.length;

    for (const ref of [task.id, String(task.number)]) {
      for (const call of [api.get, api.logs, api.cancel, api.approve, api.reject, api.replay]) {
        const body = await json(call(b.key, ref), 404);
        expect(body.error.code).toBe("NOT_FOUND");
      }
    }
    expect((await json(api.list(b.key, `?cursor=${task.id}`), 404)).error.code).toBe("NOT_FOUND");
    expect((await json(api.list(b.key), 200)).data).toEqual([]);
    // B cannot file a task into A's project either.
    expect((await json(api.create({ key: b.key, body: { ...ask("q"), projectId: a.projectId } }), 404)).error.code).toBe("NOT_FOUND");

    expect(await db.task.findUniqueOrThrow({ where: { id: task.id } })).toEqual(before);
    expect(await db.task.count({ where: { workspaceId: a.workspaceId } })).toBe(1);
    expect(await db.task.count({ where: { workspaceId: b.workspaceId } })).toBe(0);
    expect(await db.taskLog.count({ where: { taskId: task.id } })).toBe(1);
    expect(events.length).toBe(eventsBefore);
  });
});
