import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setInngest } from "@/inngest/client";
import { createFunctions } from "@/inngest/functions";
import { startHarness, type Harness } from "@/inngest/executor/test-harness";
import { pollUntil } from "@/server/runners/testing/real-runner";
import { testDb } from "@/server/testing/db";
import { addMember, callerFor, createUser, createWorkspaceFor, type TestUser } from "@/server/testing/factories";
import { slackSignature } from "@/test/fakes/slack";
import { SIGNING_SECRET, startSlackTestServer, type SlackTestServer } from "./testing/slack-server";
import { decryptSecret } from "@/server/crypto";
import { readLinkToken } from "./link-token";

/**
 * The Slack integration through the real Bolt app against the Slack fake: OAuth installs of two
 * teams into two Jace workspaces, genuinely signed commands, clicks and events, and every bad
 * input (which must store nothing).
 */

const db = testDb();
let executor: Harness;
let s: SlackTestServer;
let alice: TestUser, mallory: TestUser, bob: TestUser, mike: TestUser;
let a: { id: string; slug: string }, b: { id: string; slug: string };
let projectA: string, projectB: string;

const TEAM_A = "TALPHA";
const TEAM_B = "TBRAVO";
const CHAN_A = "CALPHA1";
const CHAN_B = "CBRAVO1";

const tasksOf = (workspaceId: string) => db.task.findMany({ where: { workspaceId }, orderBy: { number: "asc" } });
const ephemeralTo = (user: string) => s.fake.callsOf("chat.postEphemeral").filter((c) => c.args.user === user);

beforeAll(async () => {
  executor = await startHarness((i) => createFunctions(i));
  setInngest(executor.inngest);
  s = await startSlackTestServer(db);
  [alice, mallory, bob, mike] = await Promise.all([
    createUser(db, "Alice"),
    createUser(db, "Mallory"),
    createUser(db, "Bob"),
    createUser(db, "Mike"),
  ]);
  a = await createWorkspaceFor(db, alice, "Alpha");
  b = await createWorkspaceFor(db, bob, "Bravo");
  await addMember(db, a.id, mallory, "member");
  await addMember(db, b.id, mike, "member");
  projectA = (await db.project.create({ data: { workspaceId: a.id, name: "alpha-api" } })).id;
  projectB = (await db.project.create({ data: { workspaceId: b.id, name: "bravo-api" } })).id;
  for (const ws of [a, b]) await db.runner.create({ data: { workspaceId: ws.id, name: "box", publicKey: "unused", status: "online" } });
  s.fake.addUser(TEAM_A, { id: "UALICE", email: alice.email });
  s.fake.addUser(TEAM_A, { id: "UMAL", email: mallory.email });
  s.fake.addUser(TEAM_A, { id: "USTRANGER", email: "stranger@example.test" });
  s.fake.addUser(TEAM_A, { id: "UUNCONFIRMED", email: bob.email, emailConfirmed: false });
  s.fake.addUser(TEAM_B, { id: "UBOB", email: bob.email });
  s.fake.addUser(TEAM_B, { id: "UMIKE", email: mike.email });
  s.fake.addChannel(TEAM_A, CHAN_A, "alpha-dev");
  s.fake.addChannel(TEAM_B, CHAN_B, "bravo-dev");
}, 60_000);

afterAll(async () => {
  await s?.close();
  await executor?.close();
  setInngest(undefined);
});

describe("installing Slack", () => {
  it("installs two Slack teams into two Jace workspaces with encrypted bot tokens", async () => {
    expect((await s.install(alice.id, a.slug, TEAM_A, "Alpha Inc")).location).toBe(`${s.url}/w/${a.slug}/integrations?slack=connected`);
    expect((await s.install(bob.id, b.slug, TEAM_B, "Bravo Ltd")).location).toBe(`${s.url}/w/${b.slug}/integrations?slack=connected`);
    const rows = await db.slackInstallation.findMany({ where: { teamId: { in: [TEAM_A, TEAM_B] } }, orderBy: { teamId: "asc" } });
    expect(rows.map((r) => [r.teamId, r.workspaceId, r.teamName])).toEqual([
      [TEAM_A, a.id, "Alpha Inc"],
      [TEAM_B, b.id, "Bravo Ltd"],
    ]);
    for (const r of rows) {
      expect(r.encryptedBotToken).toMatch(/^v1\./);
      expect(r.encryptedBotToken).not.toContain(s.fake.tokenOf(r.teamId)!);
    }
    expect(s.fake.callsOf("oauth.v2.access")).toHaveLength(2);
    expect(s.fake.callsOf("auth.test").map((c) => c.teamId)).toEqual([TEAM_A, TEAM_B]);
  });

  it("a reinstall updates the installation in place, with the new bot token Slack issued", async () => {
    const before = await db.slackInstallation.findUniqueOrThrow({ where: { teamId: TEAM_A } });
    const oldToken = s.fake.tokenOf(TEAM_A)!;
    expect(decryptSecret(before.encryptedBotToken!, TEAM_A)).toBe(oldToken);
    s.fake.rotateToken(TEAM_A);
    await s.install(alice.id, a.slug, TEAM_A, "Alpha Incorporated");
    const newToken = s.fake.tokenOf(TEAM_A)!;
    expect(newToken).not.toBe(oldToken);
    const after = await db.slackInstallation.findUniqueOrThrow({ where: { teamId: TEAM_A } });
    expect(after.id).toBe(before.id);
    expect(after.teamName).toBe("Alpha Incorporated");
    expect(decryptSecret(after.encryptedBotToken!, TEAM_A)).toBe(newToken);
    expect(await db.slackInstallation.count({ where: { workspaceId: { in: [a.id, b.id] } } })).toBe(2);
  });

  it("refuses a team already connected to another Jace workspace", async () => {
    const { location } = await s.install(bob.id, b.slug, TEAM_A, "Alpha Inc");
    expect(location).toBe(`${s.url}/w/${b.slug}/integrations?slack_error=conflict`);
    expect((await db.slackInstallation.findUniqueOrThrow({ where: { teamId: TEAM_A } })).workspaceId).toBe(a.id);
  });

  it("a workspace connects a second Slack team: both are listed and each disconnects on its own", async () => {
    expect((await s.install(alice.id, a.slug, "TCHARLIE", "Charlie Corp")).location).toBe(
      `${s.url}/w/${a.slug}/integrations?slack=connected`,
    );
    const overview = await callerFor(db, alice).integration.slack({ workspaceSlug: a.slug });
    expect(overview.installations.map((i) => [i.teamId, i.connected])).toEqual([
      [TEAM_A, true],
      ["TCHARLIE", true],
    ]);
    const charlie = overview.installations.find((i) => i.teamId === "TCHARLIE")!;
    await callerFor(db, alice).integration.disconnectSlack({ workspaceSlug: a.slug, installationId: charlie.id });
    const after = await callerFor(db, alice).integration.slack({ workspaceSlug: a.slug });
    expect(after.installations.map((i) => [i.teamId, i.connected])).toEqual([
      [TEAM_A, true],
      ["TCHARLIE", false],
    ]);
    // Its token was revoked at Slack; team A's was not.
    expect(s.fake.callsOf("auth.revoke").map((c) => c.teamId)).toEqual(["TCHARLIE"]);
    await expect(callerFor(db, alice).integration.disconnectSlack({ workspaceSlug: a.slug, installationId: charlie.id })).rejects.toThrow(
      /already disconnected/,
    );
    // Bob's workspace cannot disconnect Alice's team by its id.
    const aTeam = overview.installations.find((i) => i.teamId === TEAM_A)!;
    await expect(callerFor(db, bob).integration.disconnectSlack({ workspaceSlug: b.slug, installationId: aTeam.id })).rejects.toThrow(
      /not found in this workspace/,
    );
    expect((await db.slackInstallation.findUniqueOrThrow({ where: { teamId: TEAM_A } })).disconnectedAt).toBeNull();
  });

  it("only admins start an install; signed-out people are sent to sign in", async () => {
    expect((await s.install(mallory.id, a.slug, "TOTHER", "Other")).location).toBe(
      `${s.url}/w/${a.slug}/integrations?slack_error=forbidden`,
    );
    // Bob is not a member of A at all: he learns nothing about it.
    expect((await s.install(bob.id, a.slug, "TOTHER", "Other")).location).toBe(`${s.url}/w`);
    const res = await fetch(`${s.url}/api/slack/install?workspace=${a.slug}`, { redirect: "manual" });
    expect(res.headers.get("location")).toBe(`${s.url}/signin?callbackUrl=${encodeURIComponent(`/w/${a.slug}/integrations`)}`);
    expect(await db.slackInstallation.count({ where: { teamId: "TOTHER" } })).toBe(0);
  });
});

describe("slash commands", () => {
  it("rejects a bad or stale signature with 401 and stores nothing", async () => {
    const ours = { workspaceId: { in: [a.id, b.id] } };
    const before = await db.task.count({ where: ours });
    const forged = await s.command(TEAM_A, "UALICE", CHAN_A, "ask hello?", { secret: "not-the-signing-secret-at-all" });
    expect(forged.status).toBe(401);
    const stale = await s.command(TEAM_A, "UALICE", CHAN_A, "ask hello?", { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 });
    expect(stale.status).toBe(401);
    // Genuinely signed, but dated ahead: a request captured now must not be replayable later.
    const future = await s.command(TEAM_A, "UALICE", CHAN_A, "ask hello?", { timestamp: Math.floor(Date.now() / 1000) + 6 * 60 });
    expect(future.status).toBe(401);
    const malformed = await s.post("command=%2Fjace&text=ask+hi&team_id=TALPHA", {
      "content-type": "application/x-www-form-urlencoded",
      ...slackSignature(SIGNING_SECRET, "command=%2Fjace&text=ask+hi&team_id=TALPHA", "1e12" as unknown as number),
    });
    expect(malformed.status).toBe(401);
    // Just inside the window either way is accepted.
    const early = await s.command(TEAM_A, "UALICE", CHAN_A, "help", { timestamp: Math.floor(Date.now() / 1000) + 4 * 60 });
    expect(early.status).toBe(200);
    const unsigned = await s.post("command=%2Fjace&text=ask+hi&team_id=TALPHA", { "content-type": "application/x-www-form-urlencoded" });
    expect(unsigned.status).toBe(401);
    expect(await db.task.count({ where: ours })).toBe(before);
    expect(await db.slackUserLink.count({ where: ours })).toBe(0);
    expect(await db.slackInbox.count({ where: ours })).toBe(0);
  });

  it("answers an unknown subcommand with help, and a malformed URL with what to type", async () => {
    const unknown = await s.command(TEAM_A, "UALICE", CHAN_A, "deploy prod");
    expect(unknown.status).toBe(200);
    expect(unknown.body?.response_type).toBe("ephemeral");
    expect(unknown.body?.text).toMatch(/I don't know `deploy`/);
    expect(unknown.body?.text).toMatch(/\/jace test <repo-url> \[branch\]/);
    const bad = await s.command(TEAM_A, "UALICE", CHAN_A, "test not-a-url");
    expect(bad.body?.text).toMatch(/`not-a-url` is not a repository URL\. Use an https or git URL/);
    await s.runtime.idle();
    expect(await tasksOf(a.id)).toHaveLength(0);
  });

  it("gives an unknown Slack user a link to join or link their account", async () => {
    const res = await s.command(TEAM_A, "USTRANGER", CHAN_A, "ask who am I?");
    const text = await s.reply(res);
    expect(text).toMatch(/I don't know you in the Jace workspace \*Alpha\*/);
    const token = /slack\/link\?token=([\w.-]+)/.exec(text)?.[1];
    const installation = await db.slackInstallation.findUniqueOrThrow({ where: { teamId: TEAM_A } });
    expect(readLinkToken(token!)).toEqual({ installationId: installation.id, slackUserId: "USTRANGER", slackUserName: "ustranger" });
    expect(text).toContain(`/w/${a.slug}/settings/members`);
    // A Slack email that Slack has not confirmed does not match Bob either.
    const unconfirmed = await s.command(TEAM_A, "UUNCONFIRMED", CHAN_A, "ask who am I?");
    expect(await s.reply(unconfirmed)).toMatch(/I don't know you/);
    await s.runtime.idle();
    expect(await tasksOf(a.id)).toHaveLength(0);
  });

  it("offers to link or create a project in an unlinked channel, and the button links it", async () => {
    const res = await s.command(TEAM_A, "UALICE", CHAN_A, "ask what is flaky?");
    expect(await s.reply(res)).toMatch(/not linked to a Jace project yet/);
    const offer = JSON.stringify(s.fake.responses(res.responseUrl)[0]!.args.blocks);
    expect(offer).toContain('"action_id":"jace_link_project"');
    expect(offer).toContain('"action_id":"jace_create_project"');
    await s.runtime.idle();
    expect(await tasksOf(a.id)).toHaveLength(0);
    // Alice was matched by her verified email.
    expect(await db.slackUserLink.findFirst({ where: { slackUserId: "UALICE" } })).toMatchObject({ userId: alice.id, linkedVia: "email" });
    // A member may not link channels; an admin may.
    expect(await s.action(TEAM_A, "UMAL", CHAN_A, "jace_link_project", projectA)).toBe(200);
    await pollUntil(
      async () => ephemeralTo("UMAL"),
      (c) => c.length > 0,
      5000,
      "the refusal",
    );
    expect(String(ephemeralTo("UMAL")[0]!.args.text)).toMatch(/Only admins and owners can link channels/);
    expect(await db.slackChannelLink.count({ where: { workspaceId: a.id } })).toBe(0);
    expect(await s.action(TEAM_A, "UALICE", CHAN_A, "jace_link_project", projectA)).toBe(200);
    const link = await pollUntil(() => db.slackChannelLink.findFirst({ where: { channelId: CHAN_A } }), Boolean, 5000, "the link");
    expect(link).toMatchObject({ projectId: projectA, workspaceId: a.id, channelName: "alpha-dev" });
  });

  it("creates one task per delivery, starts its thread, and a repeated delivery creates nothing", async () => {
    const first = await s.command(TEAM_A, "UALICE", CHAN_A, "ask what is a flaky test?", { triggerId: "trigger-dup-1" });
    expect(first.status).toBe(200);
    expect(first.body?.text).toMatch(/^Working on it: what is a flaky test\?/);
    await s.runtime.idle();
    const again = await s.command(TEAM_A, "UALICE", CHAN_A, "ask what is a flaky test?", { triggerId: "trigger-dup-1" });
    expect(again.status).toBe(200);
    // The repeat is acknowledged with an empty body: Slack shows nothing more.
    expect(again.body).toBeNull();
    await s.runtime.idle();
    const tasks = await tasksOf(a.id);
    expect(tasks.map((t) => [t.number, t.source, t.kind, t.projectId, t.createdById])).toEqual([[1, "slack", "ask", projectA, alice.id]]);
    const thread = await pollUntil(
      () => db.slackThread.findUnique({ where: { taskId: tasks[0]!.id } }),
      (t) => Boolean(t?.threadTs && t.threadTs !== "pending"),
      5000,
      "the thread",
    );
    const roots = s.fake.callsOf("chat.postMessage", TEAM_A).filter((c) => c.args.channel === CHAN_A && !c.args.thread_ts);
    expect(roots).toHaveLength(1);
    expect(String(roots[0]!.args.text)).toMatch(/^#1 what is a flaky test\?/);
    expect(thread?.channelId).toBe(CHAN_A);
    // Nothing was said afterwards either, to the first delivery or to the repeat.
    expect(s.fake.responses(first.responseUrl)).toHaveLength(0);
    expect(s.fake.responses(again.responseUrl)).toHaveLength(0);
  });

  it("says what to do when no runner is online, and stores nothing", async () => {
    await db.runner.updateMany({ where: { workspaceId: a.id }, data: { status: "offline" } });
    const res = await s.command(TEAM_A, "UALICE", CHAN_A, "test https://github.com/acme/api");
    const text = await s.reply(res);
    await db.runner.updateMany({ where: { workspaceId: a.id }, data: { status: "online" } });
    expect(text).toMatch(/No runner is online in Alpha/);
    expect(text).toContain(`${s.url}/w/${a.slug}/runners|Add a runner`);
    await s.runtime.idle();
    expect(await tasksOf(a.id)).toHaveLength(1);
  });

  it("shows intake errors (here: an archived project) ephemerally", async () => {
    await db.project.update({ where: { id: projectA }, data: { archivedAt: new Date() } });
    const res = await s.command(TEAM_A, "UALICE", CHAN_A, "ask anything?");
    await s.runtime.idle();
    await db.project.update({ where: { id: projectA }, data: { archivedAt: null } });
    expect(res.body?.text).toMatch(/^Working on it/);
    expect(await s.reply(res)).toMatch(/Project "alpha-api" is archived/);
    await s.runtime.idle();
    expect(await tasksOf(a.id)).toHaveLength(1);
  });

  it("`project link`, `status`, `runners` and `usage` answer from the right workspace", async () => {
    const unlinkedStatus = await s.command(TEAM_B, "UBOB", CHAN_B, "status");
    expect(await s.reply(unlinkedStatus)).toMatch(/This channel is not linked to a Jace project, so it has no recent tasks/);
    const linked = await s.command(TEAM_B, "UBOB", CHAN_B, "project link BRAVO-API");
    expect(linked.body).toBeNull();
    expect(await s.reply(linked)).toMatch(/now answers for the project \*bravo-api\*/);
    expect(await db.slackChannelLink.findFirst({ where: { channelId: CHAN_B } })).toMatchObject({ workspaceId: b.id, projectId: projectB });
    // The channel's name came from Slack (conversations.info), after the acknowledgement.
    expect(await db.slackChannelLink.findFirst({ where: { channelId: CHAN_B } })).toMatchObject({ channelName: "bravo-dev" });
    const missing = await s.command(TEAM_B, "UBOB", CHAN_B, "project link alpha-api");
    expect(await s.reply(missing)).toMatch(/No active project named \*alpha-api\* in Bravo/);
    const status = await s.command(TEAM_A, "UALICE", CHAN_A, "status");
    const statusText = await s.reply(status);
    expect(statusText).toMatch(/Recent tasks in alpha-api/);
    expect(statusText).toMatch(/\|#1>/);
    const runners = await s.command(TEAM_A, "UALICE", CHAN_A, "runners");
    expect(await s.reply(runners)).toMatch(/Runners: 1 of 1 online/);
    const usage = await s.command(TEAM_A, "UALICE", CHAN_A, "usage");
    expect(await s.reply(usage)).toMatch(/Usage in \d{4}-\d{2}/);
  });
});

describe("tenancy", () => {
  it("a user of Slack team A can never see or touch workspace B", async () => {
    const bTask = await db.task.create({
      data: {
        workspaceId: b.id,
        projectId: projectB,
        number: 99,
        kind: "ask",
        title: "Bravo secret",
        input: { kind: "ask", question: "Bravo secret" },
        source: "web",
        status: "awaiting_approval",
        requiresApproval: true,
        createdByLabel: bob.email,
      },
    });
    for (const text of ["status 99", `status ${bTask.id}`, "approve 99", `approve ${bTask.id}`, `cancel ${bTask.id}`]) {
      const reply = await s.reply(await s.command(TEAM_A, "UALICE", CHAN_A, text));
      expect(reply, text).toMatch(/not found in this workspace/);
      expect(reply).not.toMatch(/Bravo secret/);
    }
    // The Approve button of B's task, clicked from team A, is looked up in A only.
    await s.action(TEAM_A, "UALICE", CHAN_A, "jace_approve", bTask.id);
    await pollUntil(
      async () => ephemeralTo("UALICE"),
      (c) => c.some((x) => /not found/.test(String(x.args.text))),
      5000,
      "refusal",
    );
    expect(await db.task.findUniqueOrThrow({ where: { id: bTask.id } })).toMatchObject({ status: "awaiting_approval", decidedAt: null });
    // Bob's Slack identity in team B does not carry over to team A.
    const bobInA = await s.command(TEAM_A, "UBOB", CHAN_A, "status");
    expect(await s.reply(bobInA)).toMatch(/I don't know you/);
  });

  it("refuses approvals by members who may not approve, and by people who are not members", async () => {
    const task = await db.task.create({
      data: {
        workspaceId: a.id,
        projectId: projectA,
        number: 50,
        kind: "test",
        title: "Needs a decision",
        input: { kind: "test", repository: "https://github.com/acme/api" },
        source: "slack",
        status: "awaiting_approval",
        requiresApproval: true,
        createdByLabel: alice.email,
      },
    });
    await s.action(TEAM_A, "UMAL", CHAN_A, "jace_approve", task.id);
    await s.action(TEAM_A, "USTRANGER", CHAN_A, "jace_approve", task.id);
    await pollUntil(
      async () => ephemeralTo("UMAL"),
      (c) => c.some((x) => /can approve or reject plans/.test(String(x.args.text))),
      5000,
      "refusal",
    );
    await pollUntil(
      async () => ephemeralTo("USTRANGER"),
      (c) => c.some((x) => /Only members/.test(String(x.args.text))),
      5000,
      "refusal",
    );
    expect(String(ephemeralTo("UMAL").at(-1)!.args.text)).toMatch(/your role is member/);
    const cmd = await s.command(TEAM_A, "UMAL", CHAN_A, "approve 50");
    expect(await s.reply(cmd)).toMatch(/Your role in Alpha \(member\) cannot approve plans/);
    expect(await db.task.findUniqueOrThrow({ where: { id: task.id } })).toMatchObject({ status: "awaiting_approval", decidedAt: null });
  });
});

describe("rate limits and disconnection", () => {
  it("retries a 429 after Retry-After (no sooner) and still posts the thread", async () => {
    s.fake.rateLimit("chat.postMessage", 1, 2, TEAM_B);
    const before = s.fake.callsOf("chat.postMessage", TEAM_B).length;
    const res = await s.command(TEAM_B, "UBOB", CHAN_B, "ask does it retry?");
    expect(res.body?.text).toMatch(/Working on it/);
    const [task] = await pollUntil(
      () => tasksOf(b.id).then((t) => t.filter((x) => x.source === "slack")),
      (t) => t.length === 1,
      5000,
      "the task",
    );
    await pollUntil(
      () => db.slackThread.findUnique({ where: { taskId: task!.id } }),
      (t) => Boolean(t?.threadTs && t.threadTs !== "pending"),
      10_000,
      "the thread after the retry",
    );
    const posts = s.fake.callsOf("chat.postMessage", TEAM_B).slice(before);
    expect(posts.length).toBeGreaterThanOrEqual(2);
    expect(posts[0]!.args.text).toEqual(posts[1]!.args.text);
    // Slack said "retry after 2 s": the client waited that long before the retry (a lower bound only).
    expect(posts[1]!.at - posts[0]!.at).toBeGreaterThanOrEqual(1900);
  });

  it("app_uninstalled and tokens_revoked disconnect the installation; its commands are told so", async () => {
    expect(await s.event(TEAM_B, { type: "app_uninstalled" })).toBe(200);
    const row = await pollUntil(
      () => db.slackInstallation.findUniqueOrThrow({ where: { teamId: TEAM_B } }),
      (r) => r.disconnectedAt !== null,
      5000,
      "disconnect",
    );
    expect(row.encryptedBotToken).toBeNull();
    expect(row.disconnectReason).toMatch(/uninstalled/);
    const before = await db.task.count({ where: { workspaceId: b.id } });
    const res = await s.command(TEAM_B, "UBOB", CHAN_B, "ask still there?");
    expect(res.status).toBe(200);
    expect(res.body?.response_type).toBe("ephemeral");
    expect(res.body?.text).toMatch(/Jace is not connected to this Slack workspace.*connect it again from Integrations/);
    await s.runtime.idle();
    expect(await db.task.count({ where: { workspaceId: b.id } })).toBe(before);
    expect(await db.slackInbox.count({ where: { teamId: TEAM_B, doneAt: null } })).toBe(0);

    expect(await s.event(TEAM_A, { type: "tokens_revoked", tokens: { oauth: ["UALICE"] } })).toBe(200);
    expect((await db.slackInstallation.findUniqueOrThrow({ where: { teamId: TEAM_A } })).disconnectedAt).toBeNull();
    expect(await s.event(TEAM_A, { type: "tokens_revoked", tokens: { bot: ["UBOTTALPHA"] } })).toBe(200);
    await pollUntil(
      () => db.slackInstallation.findUniqueOrThrow({ where: { teamId: TEAM_A } }),
      (r) => r.disconnectedAt !== null,
      5000,
      "revoked",
    );
  });

  it("a disconnected team can be connected again from its workspace", async () => {
    expect((await s.install(bob.id, b.slug, TEAM_B, "Bravo Ltd")).location).toBe(`${s.url}/w/${b.slug}/integrations?slack=connected`);
    const row = await db.slackInstallation.findUniqueOrThrow({ where: { teamId: TEAM_B } });
    expect(row.disconnectedAt).toBeNull();
    expect(await db.slackChannelLink.count({ where: { installationId: row.id } })).toBe(1);
  });
});
