import { TRPCError } from "@trpc/server";
import { beforeAll, describe, expect, it } from "vitest";
import { createApiKey } from "../features/api-keys/api-keys";
import { createLinkToken } from "../integrations/slack";
import { hashToken } from "../crypto";
import { testDb } from "../testing/db";
import { addMember, callerFor, createUser, createWorkspaceFor, type TestUser } from "../testing/factories";
import { appRouter } from "./root";

/**
 * Tenant isolation, proven for every procedure of the root router: a member of workspace A can
 * neither read nor change workspace B's data (by slug or by id), a viewer cannot write, and
 * nobody signed out gets anything. The last test fails when a procedure is added without a case.
 */

type Targets = {
  slug: string;
  projectId: string;
  invitationId: string;
  membershipId: string;
  apiKeyId: string;
  token: string;
  runnerId: string;
  jobId: string;
  tokenId: string;
  taskId: string;
  budgetId: string;
  slackLinkId: string;
  slackLinkToken: string;
  slackInstallationId: string;
  slackUserLinkId: string;
};
type Case = { input: (t: Targets) => unknown; scoped: boolean; write: boolean };

const cases: Record<string, Case> = {
  "workspace.list": { input: () => undefined, scoped: false, write: false },
  "workspace.slugAvailable": { input: () => ({ slug: "some-slug" }), scoped: false, write: false },
  "workspace.create": { input: () => ({ name: "X", slug: `x-${Date.now()}` }), scoped: false, write: true },
  "workspace.get": { input: (t) => ({ workspaceSlug: t.slug }), scoped: true, write: false },
  "workspace.rename": { input: (t) => ({ workspaceSlug: t.slug, name: "Hijacked" }), scoped: true, write: true },
  "workspace.delete": { input: (t) => ({ workspaceSlug: t.slug, confirmSlug: t.slug }), scoped: true, write: true },
  "project.list": { input: (t) => ({ workspaceSlug: t.slug }), scoped: true, write: false },
  "project.get": { input: (t) => ({ workspaceSlug: t.slug, projectId: t.projectId }), scoped: true, write: false },
  "project.create": { input: (t) => ({ workspaceSlug: t.slug, name: "Intruder" }), scoped: true, write: true },
  "project.update": { input: (t) => ({ workspaceSlug: t.slug, projectId: t.projectId, name: "Renamed" }), scoped: true, write: true },
  "project.archive": { input: (t) => ({ workspaceSlug: t.slug, projectId: t.projectId }), scoped: true, write: true },
  "project.unarchive": { input: (t) => ({ workspaceSlug: t.slug, projectId: t.projectId }), scoped: true, write: true },
  "member.list": { input: (t) => ({ workspaceSlug: t.slug }), scoped: true, write: false },
  "member.invitations": { input: (t) => ({ workspaceSlug: t.slug }), scoped: true, write: false },
  "member.invite": { input: (t) => ({ workspaceSlug: t.slug, email: "intruder@example.test", role: "admin" }), scoped: true, write: true },
  "member.revokeInvitation": { input: (t) => ({ workspaceSlug: t.slug, invitationId: t.invitationId }), scoped: true, write: true },
  "member.changeRole": {
    input: (t) => ({ workspaceSlug: t.slug, membershipId: t.membershipId, role: "viewer" }),
    scoped: true,
    write: true,
  },
  "member.remove": { input: (t) => ({ workspaceSlug: t.slug, membershipId: t.membershipId }), scoped: true, write: true },
  "member.leave": { input: (t) => ({ workspaceSlug: t.slug }), scoped: true, write: false },
  "invitation.preview": { input: (t) => ({ token: t.token }), scoped: false, write: false },
  "invitation.accept": { input: (t) => ({ token: t.token }), scoped: false, write: true },
  "apiKey.list": { input: (t) => ({ workspaceSlug: t.slug }), scoped: true, write: false },
  "apiKey.create": { input: (t) => ({ workspaceSlug: t.slug, name: "stolen" }), scoped: true, write: true },
  "apiKey.revoke": { input: (t) => ({ workspaceSlug: t.slug, apiKeyId: t.apiKeyId }), scoped: true, write: true },
  "audit.list": { input: (t) => ({ workspaceSlug: t.slug }), scoped: true, write: false },
  "audit.actions": { input: (t) => ({ workspaceSlug: t.slug }), scoped: true, write: false },
  "runner.list": { input: (t) => ({ workspaceSlug: t.slug }), scoped: true, write: false },
  "runner.get": { input: (t) => ({ workspaceSlug: t.slug, runnerId: t.runnerId }), scoped: true, write: false },
  "runner.jobs": { input: (t) => ({ workspaceSlug: t.slug }), scoped: true, write: false },
  "runner.createEnrollmentToken": { input: (t) => ({ workspaceSlug: t.slug, labels: ["gpu"] }), scoped: true, write: true },
  "runner.enrollmentStatus": { input: (t) => ({ workspaceSlug: t.slug, tokenId: t.tokenId }), scoped: true, write: true },
  "runner.rename": { input: (t) => ({ workspaceSlug: t.slug, runnerId: t.runnerId, name: "Stolen" }), scoped: true, write: true },
  "runner.relabel": { input: (t) => ({ workspaceSlug: t.slug, runnerId: t.runnerId, labels: ["x"] }), scoped: true, write: true },
  "runner.revoke": { input: (t) => ({ workspaceSlug: t.slug, runnerId: t.runnerId }), scoped: true, write: true },
  "runner.cancelJob": { input: (t) => ({ workspaceSlug: t.slug, jobId: t.jobId }), scoped: true, write: true },
  "task.list": { input: (t) => ({ workspaceSlug: t.slug }), scoped: true, write: false },
  "task.counts": { input: (t) => ({ workspaceSlug: t.slug }), scoped: true, write: false },
  "task.get": { input: (t) => ({ workspaceSlug: t.slug, taskId: t.taskId }), scoped: true, write: false },
  "task.logs": { input: (t) => ({ workspaceSlug: t.slug, taskId: t.taskId }), scoped: true, write: false },
  "task.run": { input: (t) => ({ workspaceSlug: t.slug, taskId: t.taskId }), scoped: true, write: false },
  "task.create": {
    input: (t) => ({ workspaceSlug: t.slug, projectId: t.projectId, task: { kind: "ask", question: "Leak?" } }),
    scoped: true,
    write: true,
  },
  "task.approve": { input: (t) => ({ workspaceSlug: t.slug, taskId: t.taskId }), scoped: true, write: true },
  "task.reject": { input: (t) => ({ workspaceSlug: t.slug, taskId: t.taskId, reason: "no" }), scoped: true, write: true },
  "task.cancel": { input: (t) => ({ workspaceSlug: t.slug, taskId: t.taskId }), scoped: true, write: true },
  "task.replay": { input: (t) => ({ workspaceSlug: t.slug, taskId: t.taskId }), scoped: true, write: true },
  "usage.summary": { input: (t) => ({ workspaceSlug: t.slug }), scoped: true, write: false },
  "usage.budgets": { input: (t) => ({ workspaceSlug: t.slug }), scoped: true, write: false },
  "usage.upsertBudget": {
    input: (t) => ({
      workspaceSlug: t.slug,
      projectId: t.projectId,
      monthlyLimitMicros: 1_000_000,
      softThresholdPct: 50,
      hardLimit: false,
    }),
    scoped: true,
    write: true,
  },
  "usage.deleteBudget": { input: (t) => ({ workspaceSlug: t.slug, budgetId: t.budgetId }), scoped: true, write: true },
  "providerKey.get": { input: (t) => ({ workspaceSlug: t.slug }), scoped: true, write: false },
  "providerKey.save": { input: (t) => ({ workspaceSlug: t.slug, key: "sk-stolen0000000000000000" }), scoped: true, write: true },
  "providerKey.remove": { input: (t) => ({ workspaceSlug: t.slug }), scoped: true, write: true },
  "model.catalog": { input: (t) => ({ workspaceSlug: t.slug }), scoped: true, write: false },
  "model.setEntry": {
    input: (t) => ({ workspaceSlug: t.slug, name: "fast", entry: { local: [], cloud: "gpt-4o" } }),
    scoped: true,
    write: true,
  },
  "model.resetEntry": { input: (t) => ({ workspaceSlug: t.slug, name: "fast" }), scoped: true, write: true },
  "model.setPricing": { input: (t) => ({ workspaceSlug: t.slug, pricing: { baseFeeMicros: 1 } }), scoped: true, write: true },
  "model.setPolicy": { input: (t) => ({ workspaceSlug: t.slug, policy: "cloud-preferred" }), scoped: true, write: true },
  "integration.slack": { input: (t) => ({ workspaceSlug: t.slug }), scoped: true, write: false },
  "integration.disconnectSlack": {
    input: (t) => ({ workspaceSlug: t.slug, installationId: t.slackInstallationId }),
    scoped: true,
    write: true,
  },
  "integration.unlinkSlackUser": { input: (t) => ({ workspaceSlug: t.slug, linkId: t.slackUserLinkId }), scoped: true, write: true },
  "integration.setChannelDigest": {
    input: (t) => ({ workspaceSlug: t.slug, linkId: t.slackLinkId, digest: true }),
    scoped: true,
    write: true,
  },
  "integration.unlinkChannel": { input: (t) => ({ workspaceSlug: t.slug, linkId: t.slackLinkId }), scoped: true, write: true },
  // Concern only the caller's own Slack identity, so viewers may; another workspace's token is NOT_FOUND.
  "integration.slackLinkRequest": { input: (t) => ({ workspaceSlug: t.slug, token: t.slackLinkToken }), scoped: true, write: false },
  "integration.startSlackLink": { input: (t) => ({ workspaceSlug: t.slug, token: t.slackLinkToken }), scoped: true, write: false },
  "billing.overview": { input: (t) => ({ workspaceSlug: t.slug }), scoped: true, write: false },
  // Owners only: "write" here means a viewer is refused.
  "billing.invoices": { input: (t) => ({ workspaceSlug: t.slug }), scoped: true, write: true },
  "billing.changePlan": { input: (t) => ({ workspaceSlug: t.slug, plan: "pro" }), scoped: true, write: true },
  "billing.portal": { input: (t) => ({ workspaceSlug: t.slug }), scoped: true, write: true },
  "billing.resync": { input: (t) => ({ workspaceSlug: t.slug }), scoped: true, write: true },
  "billing.retryMeterReports": { input: (t) => ({ workspaceSlug: t.slug }), scoped: true, write: true },
};

type AnyProcedure = (input: unknown) => Promise<unknown>;

function procedure(caller: unknown, path: string): AnyProcedure {
  return path.split(".").reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], caller) as AnyProcedure;
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "OK";
  } catch (error) {
    if (error instanceof TRPCError) return error.code;
    throw error;
  }
}

const db = testDb();
let alice: TestUser, bob: TestUser, carol: TestUser, vic: TestUser;
let a: Targets, b: Targets;

async function snapshotB(workspaceId: string) {
  const [workspace, projects, members, invitations, keys, audit, runners, jobs, tasks, taskLogs, taskSteps, budgets, credentials] =
    await Promise.all([
      db.workspace.findUnique({ where: { id: workspaceId } }),
      db.project.findMany({ where: { workspaceId }, orderBy: { id: "asc" } }),
      db.membership.findMany({ where: { workspaceId }, orderBy: { id: "asc" } }),
      db.invitation.findMany({ where: { workspaceId }, orderBy: { id: "asc" } }),
      db.apiKey.findMany({ where: { workspaceId }, orderBy: { id: "asc" } }),
      db.auditEvent.count({ where: { workspaceId } }),
      db.runner.findMany({ where: { workspaceId }, orderBy: { id: "asc" } }),
      db.runnerJob.findMany({ where: { workspaceId }, orderBy: { id: "asc" } }),
      db.task.findMany({ where: { workspaceId }, orderBy: { id: "asc" } }),
      db.taskLog.count({ where: { workspaceId } }),
      db.taskStep.findMany({ where: { workspaceId }, orderBy: { id: "asc" } }),
      db.budget.findMany({ where: { workspaceId }, orderBy: { id: "asc" } }),
      db.providerCredential.findMany({ where: { workspaceId }, orderBy: { id: "asc" } }),
    ]);
  const slack = await Promise.all([
    db.slackInstallation.findMany({ where: { workspaceId }, orderBy: { id: "asc" } }),
    db.slackChannelLink.findMany({ where: { workspaceId }, orderBy: { id: "asc" } }),
    db.slackUserLink.findMany({ where: { workspaceId }, orderBy: { id: "asc" } }),
    db.slackLinkCode.findMany({ where: { workspaceId }, orderBy: { id: "asc" } }),
  ]);
  return JSON.stringify(
    { workspace, projects, members, invitations, keys, audit, runners, jobs, tasks, taskLogs, taskSteps, budgets, credentials, slack },
    (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v),
  );
}

async function seedWorkspace(owner: TestUser, other: TestUser): Promise<Targets & { id: string }> {
  const ws = await createWorkspaceFor(db, owner);
  const otherMembership = await addMember(db, ws.id, other, "member");
  const project = await db.project.create({ data: { workspaceId: ws.id, name: "Secret project" } });
  const token = `tok-${ws.id}-secret`;
  const invitation = await db.invitation.create({
    data: {
      workspaceId: ws.id,
      email: "pending@example.test",
      role: "member",
      tokenHash: hashToken(token),
      expiresAt: new Date(Date.now() + 3600_000),
      invitedById: owner.id,
    },
  });
  const { key } = await createApiKey(db, ws.id, { type: "user", id: owner.id, label: owner.email }, null, "ci");
  const runner = await db.runner.create({ data: { workspaceId: ws.id, name: "gpu-box", publicKey: "unused", labels: ["gpu"] } });
  const job = await db.runnerJob.create({
    data: { workspaceId: ws.id, kind: "inference", spec: {}, queueTimeoutAt: new Date(Date.now() + 3600_000), timeoutMs: 60_000 },
  });
  const enrollToken = await db.runnerEnrollmentToken.create({
    data: {
      workspaceId: ws.id,
      tokenHash: hashToken(`enroll-${ws.id}`),
      labels: [],
      createdById: owner.id,
      expiresAt: new Date(Date.now() + 3600_000),
    },
  });
  // A task waiting for approval: approve, reject and cancel would all succeed on it if reachable.
  const task = await db.task.create({
    data: {
      workspaceId: ws.id,
      projectId: project.id,
      number: 1,
      kind: "ask",
      title: "Secret question",
      input: { kind: "ask", question: "Secret question" },
      source: "web",
      status: "awaiting_approval",
      requiresApproval: true,
      createdByLabel: owner.email,
      steps: { create: { workspaceId: ws.id, projectId: project.id, name: "approval", status: "waiting" } },
      logs: { create: { workspaceId: ws.id, projectId: project.id, message: "secret log line" } },
    },
  });
  // A project budget and a provider key: deleting, editing or removing them would show in the snapshot.
  const budget = await db.budget.create({
    data: { workspaceId: ws.id, scope: project.id, projectId: project.id, monthlyLimitMicros: 5_000_000, periodStart: new Date() },
  });
  await db.providerCredential.create({ data: { workspaceId: ws.id, provider: "openai", encryptedKey: "unused", last4: "abcd" } });
  // A Slack connection with a linked channel: disconnecting or unlinking would show in the snapshot.
  const slack = await db.slackInstallation.create({
    data: {
      workspaceId: ws.id,
      teamId: `T${ws.id}`,
      teamName: "Secret team",
      botUserId: "UBOT",
      encryptedBotToken: "unused",
      botScopes: [],
    },
  });
  const slackLink = await db.slackChannelLink.create({
    data: { workspaceId: ws.id, installationId: slack.id, channelId: "CSECRET", channelName: "secret", projectId: project.id },
  });
  const slackUser = await db.slackUserLink.create({
    data: { workspaceId: ws.id, installationId: slack.id, slackUserId: "UOWNER", userId: owner.id, linkedVia: "email" },
  });
  return {
    id: ws.id,
    slug: ws.slug,
    taskId: task.id,
    budgetId: budget.id,
    projectId: project.id,
    invitationId: invitation.id,
    membershipId: otherMembership.id,
    apiKeyId: key.id,
    token,
    runnerId: runner.id,
    jobId: job.id,
    tokenId: enrollToken.id,
    slackLinkId: slackLink.id,
    slackLinkToken: createLinkToken(slack.id, "UINTRUDER"),
    slackInstallationId: slack.id,
    slackUserLinkId: slackUser.id,
  };
}

beforeAll(async () => {
  [alice, bob, carol, vic] = await Promise.all([
    createUser(db, "Alice"),
    createUser(db, "Bob"),
    createUser(db, "Carol"),
    createUser(db, "Vic"),
  ]);
  const wa = await seedWorkspace(alice, carol);
  await addMember(db, wa.id, vic, "viewer");
  a = wa;
  b = await seedWorkspace(bob, carol);
});

describe("tenant isolation", () => {
  it.each(Object.keys(cases).filter((p) => cases[p]!.scoped))(
    "%s: a member of A gets NOT_FOUND for B's slug and B is untouched",
    async (path) => {
      const before = await snapshotB((await db.workspace.findUniqueOrThrow({ where: { slug: b.slug } })).id);
      expect(await codeOf(procedure(callerFor(db, alice), path)(cases[path]!.input(b)))).toBe("NOT_FOUND");
      expect(await snapshotB((await db.workspace.findUniqueOrThrow({ where: { slug: b.slug } })).id)).toBe(before);
    },
  );

  it.each([
    "project.get",
    "project.update",
    "project.archive",
    "project.unarchive",
    "member.revokeInvitation",
    "member.changeRole",
    "member.remove",
    "apiKey.revoke",
    "runner.get",
    "runner.rename",
    "runner.relabel",
    "runner.revoke",
    "runner.cancelJob",
    "runner.enrollmentStatus",
    "task.get",
    "task.logs",
    "task.run",
    "task.create",
    "task.approve",
    "task.reject",
    "task.cancel",
    "task.replay",
    "usage.upsertBudget",
    "usage.deleteBudget",
    "integration.setChannelDigest",
    "integration.unlinkChannel",
    "integration.disconnectSlack",
    "integration.unlinkSlackUser",
    "integration.slackLinkRequest",
    "integration.startSlackLink",
  ])("%s: B's ids used through A's slug are NOT_FOUND and change nothing", async (path) => {
    const bId = (await db.workspace.findUniqueOrThrow({ where: { slug: b.slug } })).id;
    const before = await snapshotB(bId);
    const mixed: Targets = { ...b, slug: a.slug };
    expect(await codeOf(procedure(callerFor(db, alice), path)(cases[path]!.input(mixed)))).toBe("NOT_FOUND");
    expect(await snapshotB(bId)).toBe(before);
  });

  it.each(Object.keys(cases).filter((p) => cases[p]!.scoped && cases[p]!.write))("%s: a viewer is FORBIDDEN", async (path) => {
    expect(await codeOf(procedure(callerFor(db, vic), path)(cases[path]!.input(a)))).toBe("FORBIDDEN");
  });

  it.each(Object.keys(cases))("%s: signed out is UNAUTHORIZED", async (path) => {
    expect(await codeOf(procedure(callerFor(db, null), path)(cases[path]!.input(a)))).toBe("UNAUTHORIZED");
  });

  it("workspace.list shows only the caller's workspaces", async () => {
    const mine = (await callerFor(db, alice).workspace.list()).map((w) => w.slug);
    expect(mine).toContain(a.slug);
    expect(mine).not.toContain(b.slug);
  });

  it("an invitation of B cannot be accepted by a member of A with another email", async () => {
    expect(await codeOf(callerFor(db, alice).invitation.accept({ token: b.token }))).toBe("FORBIDDEN");
    expect(await db.membership.count({ where: { userId: alice.id, workspace: { slug: b.slug } } })).toBe(0);
  });

  it("every procedure of the root router has an isolation case", () => {
    const paths = Object.keys(appRouter._def.procedures).sort();
    expect(paths).toEqual(Object.keys(cases).sort());
  });
});
