import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setInngest } from "@/inngest/client";
import { startHarness, type Harness } from "@/inngest/executor/test-harness";
import { overrideEnv } from "@/server/env";
import { monthKey } from "@/server/features/usage/period";
import { monthStart } from "@/server/llm/budgets";
import { pollUntil } from "@/server/runners/testing/real-runner";
import { testDb } from "@/server/testing/db";
import { createUser, createWorkspaceFor, type TestUser } from "@/server/testing/factories";
import type { SlackCall } from "@/test/fakes/slack";
import { startSlackTestServer, type SlackTestServer } from "./testing/slack-server";

/**
 * Decisions and refusals through the real Bolt app: approve / reject / cancel by command and the
 * Reject button, the "create project" button, and the refusals a person hears privately (quota,
 * rate limit, spent budget, a read-only workspace), never as a public failure in the thread.
 */

const db = testDb();
let executor: Harness;
let s: SlackTestServer;
let owner: TestUser;
let ws: { id: string; slug: string };
let projectId: string;
let installationId: string;
let taskNumber = 100;

const TEAM = "TDECIDE";
const CHAN = "CDECIDE1";
const OWNER = "UOWNER";
const blocksOf = (c: SlackCall) => JSON.stringify(c.args.blocks ?? "");
const ephemeralTo = (user: string) => s.fake.callsOf("chat.postEphemeral", TEAM).filter((c) => c.args.user === user);

/** A task waiting for approval, with its thread and plan already posted. */
async function waitingTask(title: string) {
  const number = ++taskNumber;
  const task = await db.task.create({
    data: {
      workspaceId: ws.id,
      projectId,
      number,
      kind: "test",
      title,
      input: { kind: "test", repository: "https://github.com/acme/api" },
      plan: { summary: "Run the tests", steps: [{ title: "make test" }] },
      source: "slack",
      status: "awaiting_approval",
      requiresApproval: true,
      createdByLabel: owner.email,
    },
  });
  await db.slackThread.create({
    data: { workspaceId: ws.id, taskId: task.id, installationId, channelId: CHAN, threadTs: `${number}.1`, planTs: `${number}.2` },
  });
  return task;
}

const planEdits = (number: number) => s.fake.callsOf("chat.update", TEAM).filter((c) => c.args.ts === `${number}.2`);

beforeAll(async () => {
  executor = await startHarness(() => []);
  setInngest(executor.inngest);
  s = await startSlackTestServer(db);
  owner = await createUser(db, "Dora");
  ws = await createWorkspaceFor(db, owner, "Deciders");
  projectId = (await db.project.create({ data: { workspaceId: ws.id, name: "api" } })).id;
  await db.runner.create({ data: { workspaceId: ws.id, name: "box", publicKey: "unused", status: "online" } });
  expect((await s.install(owner.id, ws.slug, TEAM, "Deciders Co")).location).toMatch(/slack=connected$/);
  s.fake.addUser(TEAM, { id: OWNER, email: owner.email });
  s.fake.addChannel(TEAM, CHAN, "decide");
  s.fake.addChannel(TEAM, "CNEW", "fresh-channel");
  installationId = (await db.slackInstallation.findUniqueOrThrow({ where: { teamId: TEAM } })).id;
  await db.slackChannelLink.create({ data: { workspaceId: ws.id, installationId, channelId: CHAN, channelName: "decide", projectId } });
}, 60_000);

afterAll(async () => {
  await s?.close();
  await executor?.close();
  setInngest(undefined);
});

describe("decisions from Slack", () => {
  it("`/jace approve`, `reject` and `cancel` do what they say and close the plan accordingly", async () => {
    const [ok, no, stop] = [await waitingTask("Approve me"), await waitingTask("Reject me"), await waitingTask("Cancel me")];
    expect(await s.reply(await s.command(TEAM, OWNER, CHAN, `approve ${ok.number}`))).toBe(`Approved #${ok.number}: it runs now.`);
    expect(await s.reply(await s.command(TEAM, OWNER, CHAN, `reject ${no.number} too risky`))).toBe(`Rejected #${no.number}.`);
    expect(await s.reply(await s.command(TEAM, OWNER, CHAN, `cancel ${stop.number}`))).toBe(`Cancelled #${stop.number}.`);
    expect(await db.task.findUniqueOrThrow({ where: { id: ok.id } })).toMatchObject({
      decidedByLabel: owner.email,
      statusReason: "Approved",
    });
    expect(await db.task.findUniqueOrThrow({ where: { id: no.id } })).toMatchObject({ status: "cancelled", statusReason: "Rejected" });
    expect((await db.task.findUniqueOrThrow({ where: { id: no.id } })).error).toMatch(/too risky/);
    expect(await db.task.findUniqueOrThrow({ where: { id: stop.id } })).toMatchObject({ status: "cancelled", decidedAt: null });
    // The approved task is then cancelled too: its plan still says who approved it.
    expect(await s.reply(await s.command(TEAM, OWNER, CHAN, `cancel ${ok.number}`))).toBe(`Cancelled #${ok.number}.`);
    for (const [t, verdict] of [
      [ok, `Approved by ${owner.email}`],
      [no, `Rejected by ${owner.email}`],
      [stop, "Closed without a decision: the task is cancelled"],
    ] as const) {
      const [edit] = await pollUntil(
        async () => planEdits(t.number),
        (c) => c.length > 0,
        5000,
        `the plan of #${t.number}`,
      );
      expect(blocksOf(edit!)).toContain(verdict);
      expect(blocksOf(edit!)).not.toContain("jace_approve");
    }
  });

  it("the Reject button rejects the plan and the plan says so", async () => {
    const task = await waitingTask("Reject by click");
    expect(await s.action(TEAM, OWNER, CHAN, "jace_reject", task.id)).toBe(200);
    const done = await pollUntil(
      () => db.task.findUniqueOrThrow({ where: { id: task.id } }),
      (t) => t.status === "cancelled",
      5000,
      "rejected",
    );
    expect(done).toMatchObject({ statusReason: "Rejected", decidedByLabel: owner.email });
    const [edit] = await pollUntil(
      async () => planEdits(task.number),
      (c) => c.length > 0,
      5000,
      "the plan edit",
    );
    expect(blocksOf(edit!)).toContain(`Rejected by ${owner.email}`);
  });

  it("the create-project button in an unlinked channel creates the project and links the channel", async () => {
    const offer = await s.command(TEAM, OWNER, "CNEW", "ask anything?");
    expect(await s.reply(offer)).toMatch(/not linked to a Jace project yet/);
    expect(await s.action(TEAM, OWNER, "CNEW", "jace_create_project", "fresh-channel")).toBe(200);
    const link = await pollUntil(() => db.slackChannelLink.findFirst({ where: { channelId: "CNEW" } }), Boolean, 5000, "the link");
    const project = await db.project.findUniqueOrThrow({ where: { id: link!.projectId } });
    expect(project).toMatchObject({ workspaceId: ws.id, name: "fresh-channel", description: "Slack channel #fresh-channel" });
    const said = await pollUntil(
      async () => ephemeralTo(OWNER),
      (c) => c.some((x) => /now answers/.test(String(x.args.text))),
      5000,
      "ok",
    );
    expect(String(said.at(-1)!.args.text)).toMatch(/now answers for the project \*fresh-channel\*/);
  });

  it("in a read-only workspace (payment failed, grace over) the buttons and decisions refuse", async () => {
    const task = await waitingTask("Approve while unpaid");
    await db.billingAccount.upsert({
      where: { workspaceId: ws.id },
      create: { workspaceId: ws.id, status: "unpaid" },
      update: { status: "unpaid" },
    });
    try {
      const before = ephemeralTo(OWNER).length;
      expect(await s.action(TEAM, OWNER, CHAN, "jace_approve", task.id)).toBe(200);
      const said = await pollUntil(
        async () => ephemeralTo(OWNER).slice(before),
        (c) => c.length > 0,
        5000,
        "the refusal",
      );
      expect(String(said[0]!.args.text)).toMatch(/This workspace is read-only: A payment failed.*Update the payment method at .*\/billing/);
      expect(await s.reply(await s.command(TEAM, OWNER, CHAN, `approve ${task.number}`))).toMatch(/read-only/);
      expect(await s.reply(await s.command(TEAM, OWNER, CHAN, "ask can I still ask?"))).toMatch(/read-only/);
      expect(await db.task.findUniqueOrThrow({ where: { id: task.id } })).toMatchObject({ status: "awaiting_approval", decidedAt: null });
    } finally {
      await db.billingAccount.update({ where: { workspaceId: ws.id }, data: { status: "active" } });
    }
  });
});

describe("refusals are private", () => {
  const countTasks = () => db.task.count({ where: { workspaceId: ws.id, source: "slack", sourceDeliveryId: { not: null } } });

  it("a spent cloud budget (no runner online) is refused privately with what to do, and stores nothing", async () => {
    overrideEnv({ OPENAI_API_KEY: "sk-test-unused" });
    await db.runner.updateMany({ where: { workspaceId: ws.id }, data: { status: "offline" } });
    const budget = await db.budget.create({
      data: { workspaceId: ws.id, scope: "workspace", monthlyLimitMicros: 1_000_000, spentMicros: 1_000_000, periodStart: monthStart() },
    });
    try {
      const before = await countTasks();
      const res = await s.command(TEAM, OWNER, CHAN, "ask will the cloud answer?");
      expect(res.body?.text).toMatch(/^Working on it/);
      const text = await s.reply(res);
      expect(text).toMatch(/The workspace budget for cloud models is spent for this month/);
      expect(text).toContain(`/w/${ws.slug}/billing|Raise the budget`);
      await s.runtime.idle();
      expect(await countTasks()).toBe(before);
      // Nothing public: no thread root in the channel for it.
      expect(s.fake.callsOf("chat.postMessage", TEAM).filter((c) => /will the cloud answer/.test(String(c.args.text)))).toHaveLength(0);
    } finally {
      await db.budget.delete({ where: { id: budget.id } });
      await db.runner.updateMany({ where: { workspaceId: ws.id }, data: { status: "online" } });
    }
  });

  /** A workspace on the free plan with its own Slack team and a linked channel. */
  async function freeTeam(teamId: string, name: string) {
    const user = await createUser(db, name);
    const free = await createWorkspaceFor(db, user, name, "free");
    const project = await db.project.create({ data: { workspaceId: free.id, name: "api" } });
    await db.runner.create({ data: { workspaceId: free.id, name: "box", publicKey: "unused", status: "online" } });
    expect((await s.install(user.id, free.slug, teamId, `${name} Co`)).location).toMatch(/slack=connected$/);
    s.fake.addUser(teamId, { id: `U${teamId}`, email: user.email });
    const inst = await db.slackInstallation.findUniqueOrThrow({ where: { teamId } });
    await db.slackChannelLink.create({
      data: { workspaceId: free.id, installationId: inst.id, channelId: `C${teamId}`, channelName: "free", projectId: project.id },
    });
    const ask = (q: string) => s.command(teamId, `U${teamId}`, `C${teamId}`, `ask ${q}`);
    return { id: free.id, ask };
  }

  it("the monthly task quota is refused privately, and stores nothing", async () => {
    const free = await freeTeam("TQUOTA", "Quota");
    await db.usageCounter.create({ data: { workspaceId: free.id, period: monthKey(new Date()), tasks: 100 } });
    const res = await free.ask("one more?");
    expect(res.body?.text).toMatch(/^Working on it/);
    expect(await s.reply(res)).toMatch(/Free plan monthly task quota of 100 reached.*Upgrade at .*\/billing/);
    await s.runtime.idle();
    expect(await db.task.count({ where: { workspaceId: free.id } })).toBe(0);
  });

  it("the rate limit is refused privately, and stores nothing", async () => {
    const free = await freeTeam("TRATE", "Rate");
    // Other instances already used this minute's 60 requests (and the next minute's, in case it turns).
    const minute = Math.floor(Date.now() / 60_000) * 60_000;
    for (const start of [minute, minute + 60_000]) {
      await db.rateLimitWindow.create({ data: { key: `webhook:${free.id}`, windowStart: new Date(start), count: 60 } });
    }
    const res = await free.ask("too fast?");
    expect(await s.reply(res)).toMatch(/Rate limit of 60 webhook requests a minute reached for this workspace\. Retry in \d+ s/);
    await s.runtime.idle();
    expect(await db.task.count({ where: { workspaceId: free.id } })).toBe(0);
  });
});
