import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setInngest } from "@/inngest/client";
import { startHarness, type Harness } from "@/inngest/executor/test-harness";
import { createTask } from "@/server/features/tasks/intake";
import { pollUntil } from "@/server/runners/testing/real-runner";
import { testDb } from "@/server/testing/db";
import { createUser, createWorkspaceFor, type TestUser } from "@/server/testing/factories";
import { startSlack } from "./index";
import { startSlackTestServer, type SlackTestServer } from "./testing/slack-server";

/**
 * The durable inbox: a command acknowledged to Slack becomes a task exactly once, whether Slack
 * delivers it several times at once, the instance that acknowledged it stops before handling it,
 * or several instances drain what was left behind. Nothing slow or remote happens before the ack.
 */

const db = testDb();
let executor: Harness;
let s: SlackTestServer;
let owner: TestUser;
let ws: { id: string; slug: string };

const TEAM = "TINBOX";
const CHAN = "CINBOX1";
const tasks = () => db.task.findMany({ where: { workspaceId: ws.id }, orderBy: { number: "asc" } });

beforeAll(async () => {
  // An executor with no functions: task/created is accepted and nothing runs (the pipeline is not under test).
  executor = await startHarness(() => []);
  setInngest(executor.inngest);
  s = await startSlackTestServer(db);
  owner = await createUser(db, "Olga");
  ws = await createWorkspaceFor(db, owner, "Inbox");
  const project = await db.project.create({ data: { workspaceId: ws.id, name: "api" } });
  await db.runner.create({ data: { workspaceId: ws.id, name: "box", publicKey: "unused", status: "online" } });
  expect((await s.install(owner.id, ws.slug, TEAM, "Inbox Co")).location).toMatch(/slack=connected$/);
  s.fake.addUser(TEAM, { id: "UOLGA", email: owner.email });
  s.fake.addUser(TEAM, { id: "UHELD", email: "held@elsewhere.test" });
  s.fake.addChannel(TEAM, CHAN, "inbox");
  const installation = await db.slackInstallation.findUniqueOrThrow({ where: { teamId: TEAM } });
  await db.slackChannelLink.create({
    data: { workspaceId: ws.id, installationId: installation.id, channelId: CHAN, channelName: "inbox", projectId: project.id },
  });
}, 60_000);

afterAll(async () => {
  await s?.close();
  await executor?.close();
  setInngest(undefined);
});

describe("the slash command inbox", () => {
  it("acknowledges before any Slack lookup: users.info held unanswered does not hold the ack", async () => {
    const release = s.fake.hold("users.info");
    try {
      // An unknown user: resolving them needs users.info, which the fake does not answer yet.
      const res = await s.command(TEAM, "UHELD", CHAN, "ask who am I?");
      expect(res.body?.text).toMatch(/^Working on it/);
      await pollUntil(
        async () => s.fake.callsOf("users.info", TEAM).filter((c) => c.args.user === "UHELD"),
        (c) => c.length > 0,
        5000,
        "the lookup after the ack",
      );
      expect(s.fake.responses(res.responseUrl)).toHaveLength(0);
      release();
      expect(await s.reply(res)).toMatch(/I don't know you/);
    } finally {
      release();
    }
    const channelHeld = s.fake.hold("conversations.info");
    try {
      const res = await s.command(TEAM, "UOLGA", CHAN, "project link api");
      expect(res.status).toBe(200);
      expect(res.body).toBeNull();
      channelHeld();
      expect(await s.reply(res)).toMatch(/answers for the project \*api\*/);
    } finally {
      channelHeld();
    }
  });

  it("Slack's retries arriving at once create one task, and only the first is answered", async () => {
    const results = await Promise.all(
      Array.from({ length: 6 }, () => s.command(TEAM, "UOLGA", CHAN, "ask is this counted once?", { triggerId: "trigger-burst-1" })),
    );
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(results.filter((r) => /^Working on it/.test(r.body?.text ?? ""))).toHaveLength(1);
    expect(results.filter((r) => r.body === null)).toHaveLength(5);
    await s.runtime.idle();
    const mine = (await tasks()).filter((t) => t.sourceDeliveryId === "trigger-burst-1");
    expect(mine).toHaveLength(1);
    expect(await db.slackInbox.count({ where: { teamId: TEAM, triggerId: "trigger-burst-1" } })).toBe(1);
    expect(await db.slackThread.count({ where: { taskId: mine[0]!.id } })).toBe(1);
  });

  it("commands left in the inbox by a stopped instance become tasks exactly once, drained by two instances", async () => {
    // An instance that acknowledges and then stops before handling anything (as if it crashed).
    await s.restart({ drain: false, leaseMs: 300 });
    const triggers = Array.from({ length: 12 }, (_, i) => `trigger-left-${i}`);
    for (const triggerId of triggers) {
      const res = await s.command(TEAM, "UOLGA", CHAN, `ask left behind ${triggerId}?`, { triggerId });
      expect(res.body?.text).toMatch(/^Working on it/);
    }
    // One of them got as far as its task before the instance stopped.
    const member = { type: "user" as const, id: owner.id, label: owner.email };
    const project = await db.project.findFirstOrThrow({ where: { workspaceId: ws.id } });
    await createTask(
      db,
      ws.id,
      member,
      { projectId: project.id, task: { kind: "ask", question: "left behind trigger-left-0?" } },
      { source: "slack", deliveryId: "trigger-left-0", replyTo: { teamId: TEAM, channelId: CHAN, userId: "UOLGA" } },
    );
    expect(await db.slackInbox.count({ where: { teamId: TEAM, triggerId: { in: triggers }, doneAt: null } })).toBe(12);

    // Two instances start; both take over rows once the stopped one's lease has run out.
    await s.restart({ leaseMs: 300, pollMs: 50 });
    const second = startSlack(db, pino({ level: "silent" }), { leaseMs: 300, pollMs: 50, batchMs: 100 });
    try {
      await pollUntil(
        () => db.slackInbox.count({ where: { teamId: TEAM, triggerId: { in: triggers }, doneAt: null } }),
        (n) => n === 0,
        20_000,
        "the inbox drained",
      );
      await Promise.all([s.runtime.idle(), second.idle()]);
    } finally {
      await second.stop();
    }
    const drained = (await tasks()).filter((t) => triggers.includes(t.sourceDeliveryId ?? ""));
    expect(drained.map((t) => t.sourceDeliveryId).sort()).toEqual([...triggers].sort());
    // Every task got its thread, once.
    const threads = await db.slackThread.findMany({ where: { taskId: { in: drained.map((t) => t.id) } } });
    expect(threads).toHaveLength(12);
    expect(threads.every((t) => t.threadTs && t.threadTs !== "pending")).toBe(true);
    const roots = s.fake.callsOf("chat.postMessage", TEAM).filter((c) => !c.args.thread_ts && /left behind/.test(String(c.args.text)));
    expect(roots).toHaveLength(12);
  });
});
