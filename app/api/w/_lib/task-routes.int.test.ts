import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { publishTaskEvent, stopBus } from "@/server/runners/bus";
import { testDb } from "@/server/testing/db";
import { addMember, createUser, createWorkspaceFor, type TestUser } from "@/server/testing/factories";
import { GET as artifactGet } from "../[slug]/artifacts/[artifactId]/route";
import { GET as taskEventsGet } from "../[slug]/tasks/[taskId]/events/route";
import { GET as workspaceEventsGet } from "../[slug]/tasks/events/route";

/**
 * The browser-facing task routes called as Next calls them, with a real Auth.js database session
 * in the cookie: a member gets the data, a non-member a 404 without it, nobody signed out anything.
 */

// Auth.js reads the request's cookies through next/headers; outside Next that is the request we build.
const request = vi.hoisted(() => ({ headers: new Headers() }));
vi.mock("next/headers", () => ({ headers: async () => request.headers, cookies: async () => ({ get: () => undefined }) }));

const db = testDb();
const base = "http://localhost:3000";
let owner: TestUser;
let outsider: TestUser;
let viewer: TestUser;
let slug: string;
let otherSlug: string;
let taskId: string;
let otherTaskId: string;
let artifactId: string;
let otherArtifactId: string;

async function sessionCookie(user: TestUser): Promise<string> {
  const sessionToken = randomUUID();
  await db.session.create({ data: { sessionToken, userId: user.id, expires: new Date(Date.now() + 86_400_000) } });
  return `authjs.session-token=${sessionToken}`;
}

async function seedTask(workspaceId: string, number: number) {
  const project = await db.project.create({ data: { workspaceId, name: `Project ${number}` } });
  const task = await db.task.create({
    data: {
      workspaceId,
      projectId: project.id,
      number,
      kind: "ask",
      title: "What is our deploy process?",
      input: { kind: "ask", question: "What is our deploy process?" },
      source: "web",
      createdByLabel: "test",
    },
  });
  await db.taskLog.create({ data: { workspaceId, projectId: project.id, taskId: task.id, message: `secret log of task ${number}` } });
  const artifact = await db.artifact.create({
    data: {
      workspaceId,
      projectId: project.id,
      taskId: task.id,
      name: 'résumé "final".md',
      contentType: "text/markdown; charset=utf-8",
      bytes: 11,
      content: Buffer.from("# Answer 42"),
    },
  });
  return { task, project, artifact };
}

function call<P>(
  handler: (req: Request, ctx: { params: Promise<P> }) => Promise<Response>,
  path: string,
  params: P,
  cookie: string | null,
  signal?: AbortSignal,
) {
  const headers = new Headers({ host: "localhost:3000", "x-forwarded-proto": "http" });
  if (cookie) headers.set("cookie", cookie);
  request.headers = headers;
  return handler(new Request(`${base}${path}`, { headers, signal }), { params: Promise.resolve(params) });
}

/** Reads the event stream until `done` holds for what arrived so far (or fails after 5 s). */
async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, done: (text: string) => boolean): Promise<string> {
  const decoder = new TextDecoder();
  let text = "";
  const deadline = Date.now() + 5_000;
  while (!done(text)) {
    if (Date.now() > deadline) throw new Error(`stream did not deliver in time; got:\n${text}`);
    const { value, done: ended } = await reader.read();
    if (ended) throw new Error(`stream ended early; got:\n${text}`);
    text += decoder.decode(value, { stream: true });
  }
  return text;
}

const taskListeners = () =>
  (globalThis as unknown as { jaceRunnerBus?: { emitter: NodeJS.EventEmitter } }).jaceRunnerBus?.emitter.listenerCount(
    "jace_task_events",
  ) ?? 0;

beforeAll(async () => {
  owner = await createUser(db, "Owner");
  outsider = await createUser(db, "Outsider");
  viewer = await createUser(db, "Viewer");
  const ws = await createWorkspaceFor(db, owner);
  const other = await createWorkspaceFor(db, outsider, "Other");
  await addMember(db, ws.id, viewer, "viewer");
  slug = ws.slug;
  otherSlug = other.slug;
  const mine = await seedTask(ws.id, 1);
  const theirs = await seedTask(other.id, 1);
  taskId = mine.task.id;
  otherTaskId = theirs.task.id;
  artifactId = mine.artifact.id;
  otherArtifactId = theirs.artifact.id;
});

afterAll(async () => {
  await stopBus();
});

describe("task event stream", () => {
  it("streams a member the task's logs from the cursor, then new lines live, and stops listening when the browser leaves", async () => {
    const before = taskListeners();
    const abort = new AbortController();
    const res = await call(
      taskEventsGet,
      `/api/w/${slug}/tasks/${taskId}/events`,
      { slug, taskId },
      await sessionCookie(viewer),
      abort.signal,
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expect(res.headers.get("cache-control")).toContain("no-transform");
    const reader = res.body!.getReader();

    const first = await readUntil(reader, (t) => t.includes("event: task"));
    expect(first).toMatch(/event: logs\nid: \d+\ndata: \[.*secret log of task 1/);
    expect(taskListeners()).toBe(before + 1);

    const task = await db.task.findUniqueOrThrow({ where: { id: taskId } });
    const line = await db.taskLog.create({
      data: { workspaceId: task.workspaceId, projectId: task.projectId, taskId, level: "warn", step: "plan", message: "a new line" },
    });
    await publishTaskEvent({ type: "task", taskId, workspaceId: task.workspaceId });
    const next = await readUntil(reader, (t) => t.includes("a new line"));
    expect(next).toContain(`id: ${line.id}`);
    expect(next).not.toContain("secret log of task 1");

    abort.abort();
    await expect.poll(taskListeners).toBe(before);
  });

  it("resumes after Last-Event-ID instead of repeating lines the browser has", async () => {
    const last = await db.taskLog.findFirstOrThrow({ where: { taskId }, orderBy: { id: "desc" } });
    const abort = new AbortController();
    const headers = new Headers({
      host: "localhost:3000",
      "x-forwarded-proto": "http",
      cookie: await sessionCookie(owner),
      "last-event-id": String(last.id),
    });
    request.headers = headers;
    const res = await taskEventsGet(new Request(`${base}/api/w/${slug}/tasks/${taskId}/events`, { headers, signal: abort.signal }), {
      params: Promise.resolve({ slug, taskId }),
    });
    const text = await readUntil(res.body!.getReader(), (t) => t.includes("event: task"));
    abort.abort();
    expect(text).not.toContain("event: logs");
  });

  it("gives a non-member 404 and none of the task's data", async () => {
    const res = await call(taskEventsGet, `/api/w/${slug}/tasks/${taskId}/events`, { slug, taskId }, await sessionCookie(outsider));
    expect(res.status).toBe(404);
    const body = await res.text();
    expect(body).not.toContain("secret log");
    expect(JSON.parse(body).error.code).toBe("NOT_FOUND");
  });

  it("gives 404 for another workspace's task under the member's own slug", async () => {
    const res = await call(
      taskEventsGet,
      `/api/w/${slug}/tasks/${otherTaskId}/events`,
      { slug, taskId: otherTaskId },
      await sessionCookie(owner),
    );
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain("secret log");
  });

  it("gives 401 without a session, and with a session that does not exist", async () => {
    const signedOut = await call(taskEventsGet, `/api/w/${slug}/tasks/${taskId}/events`, { slug, taskId }, null);
    expect(signedOut.status).toBe(401);
    const forged = await call(
      taskEventsGet,
      `/api/w/${slug}/tasks/${taskId}/events`,
      { slug, taskId },
      `authjs.session-token=${randomUUID()}`,
    );
    expect(forged.status).toBe(401);
  });
});

describe("workspace task stream", () => {
  it("tells a member which of the workspace's tasks changed, and nothing about other workspaces", async () => {
    const abort = new AbortController();
    const res = await call(workspaceEventsGet, `/api/w/${slug}/tasks/events`, { slug }, await sessionCookie(owner), abort.signal);
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    await readUntil(reader, (t) => t.includes("event: ready"));
    const other = await db.task.findUniqueOrThrow({ where: { id: otherTaskId } });
    const mine = await db.task.findUniqueOrThrow({ where: { id: taskId } });
    await publishTaskEvent({ type: "task", taskId: otherTaskId, workspaceId: other.workspaceId });
    await publishTaskEvent({ type: "task", taskId, workspaceId: mine.workspaceId });
    const text = await readUntil(reader, (t) => t.includes("event: tasks"));
    abort.abort();
    expect(text).toContain(taskId);
    expect(text).not.toContain(otherTaskId);
  });

  it("gives a non-member 404 and the signed-out 401", async () => {
    expect(
      (await call(workspaceEventsGet, `/api/w/${otherSlug}/tasks/events`, { slug: otherSlug }, await sessionCookie(owner))).status,
    ).toBe(404);
    expect((await call(workspaceEventsGet, `/api/w/${slug}/tasks/events`, { slug }, null)).status).toBe(401);
  });
});

describe("artifact download", () => {
  it("sends a member the file as an attachment with its type and name", async () => {
    const res = await call(artifactGet, `/api/w/${slug}/artifacts/${artifactId}`, { slug, artifactId }, await sessionCookie(viewer));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/markdown; charset=utf-8");
    expect(res.headers.get("content-disposition")).toBe(
      `attachment; filename="r_sum_ _final_.md"; filename*=UTF-8''${encodeURIComponent('résumé "final".md')}`,
    );
    expect(res.headers.get("content-security-policy")).toBe("sandbox");
    expect(await res.text()).toBe("# Answer 42");
  });

  it("gives 404 for another workspace's artifact, to its non-members, and 401 signed out", async () => {
    const cookie = await sessionCookie(owner);
    const foreign = await call(artifactGet, `/api/w/${slug}/artifacts/${otherArtifactId}`, { slug, artifactId: otherArtifactId }, cookie);
    expect(foreign.status).toBe(404);
    expect(await foreign.text()).not.toContain("Answer 42");
    const nonMember = await call(
      artifactGet,
      `/api/w/${otherSlug}/artifacts/${otherArtifactId}`,
      { slug: otherSlug, artifactId: otherArtifactId },
      cookie,
    );
    expect(nonMember.status).toBe(404);
    expect((await call(artifactGet, `/api/w/${slug}/artifacts/${artifactId}`, { slug, artifactId }, null)).status).toBe(401);
  });
});
