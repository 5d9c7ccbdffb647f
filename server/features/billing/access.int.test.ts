import { generateKeyPairSync } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Inngest } from "inngest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setInngest } from "@/inngest/client";
import { appRouter } from "@/server/api/root";
import { cleanUpWhileReadOnly } from "@/server/api/trpc";
import { hashToken } from "@/server/crypto";
import { AppError } from "@/server/errors";
import { reserveBudget, settleBudget } from "@/server/llm/budgets";
import { createEnrollmentToken, enrollRunner } from "@/server/runners/enrollment";
import { testCapabilities } from "@/server/runners/testing/protocol-client";
import { testDb } from "@/server/testing/db";
import { addMember, callerFor, createUser, createWorkspaceFor, type TestUser } from "@/server/testing/factories";
import { createApiKey } from "../api-keys/api-keys";
import { createTask } from "../tasks/intake";
import { planOf, type PlanId } from "./plans";

/**
 * Who may do what with billing, what a read-only workspace still allows, and the limits checked
 * when a member or runner is added later than it was invited or tokened.
 */

const db = testDb();

let events: Server;
beforeAll(async () => {
  // An event API that accepts everything (cancelling a task sends task/cancel.requested).
  events = createServer((req, res) => {
    req.resume();
    req.on("end", () => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ ids: ["e"], status: 200 })));
  });
  await new Promise<void>((r) => events.listen(0, "127.0.0.1", r));
  const baseUrl = `http://127.0.0.1:${(events.address() as AddressInfo).port}/`;
  setInngest(
    new Inngest({ id: "access-test", isDev: true, eventKey: "t", baseUrl, logger: { info() {}, warn() {}, error() {}, debug() {} } }),
  );
});
afterAll(async () => {
  setInngest(undefined);
  await new Promise((r) => events.close(r));
});

async function workspaceOn(plan: PlanId) {
  const owner = await createUser(db, "Owner");
  const ws = await createWorkspaceFor(db, owner, `Access ${plan}`, plan);
  const project = await db.project.create({ data: { workspaceId: ws.id, name: "p" } });
  return { owner, ws, project, actor: { type: "user" as const, id: owner.id, label: owner.email } };
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "OK";
  } catch (err) {
    if (err && typeof err === "object" && "code" in err) return String((err as { code: unknown }).code);
    throw err;
  }
}

async function invite(ws: { id: string }, inviter: TestUser, email: string) {
  const token = `inv-${email}`;
  await db.invitation.create({
    data: {
      workspaceId: ws.id,
      email,
      role: "member",
      tokenHash: hashToken(token),
      expiresAt: new Date(Date.now() + 86_400_000),
      invitedById: inviter.id,
    },
  });
  return token;
}

async function userWithEmail(email: string): Promise<TestUser> {
  const user = await db.user.create({ data: { email, name: email } });
  return { id: user.id, email, name: email };
}

describe("billing permissions", () => {
  it("lets only owners change the plan, open the portal, resync, see invoices and retry metering", async () => {
    const { owner, ws } = await workspaceOn("free");
    const admin = await createUser(db, "Admin");
    await addMember(db, ws.id, admin, "admin");
    const asAdmin = callerFor(db, admin);
    const input = { workspaceSlug: ws.slug };
    expect(await codeOf(asAdmin.billing.changePlan({ ...input, plan: "pro" }))).toBe("FORBIDDEN");
    expect(await codeOf(asAdmin.billing.portal(input))).toBe("FORBIDDEN");
    expect(await codeOf(asAdmin.billing.resync(input))).toBe("FORBIDDEN");
    expect(await codeOf(asAdmin.billing.invoices(input))).toBe("FORBIDDEN");
    expect(await codeOf(asAdmin.billing.retryMeterReports(input))).toBe("FORBIDDEN");
    expect(await db.billingAccount.count({ where: { workspaceId: ws.id } })).toBe(0);
    // The owner gets past the permission check (to local mode's own refusal).
    await expect(callerFor(db, owner).billing.changePlan({ ...input, plan: "pro" })).rejects.toThrow(/Payments are not configured/);
  });

  it("shows members the plan, limits and usage but not the subscription or payment status", async () => {
    const { owner, ws, actor } = await workspaceOn("free");
    await db.billingAccount.create({
      data: { workspaceId: ws.id, status: "past_due", paymentFailedAt: new Date(), graceEndsAt: new Date(Date.now() + 86_400_000) },
    });
    await createTask(db, ws.id, actor, { task: { kind: "ask", question: "?" } }, { source: "web" });
    const member = await createUser(db, "Member");
    await addMember(db, ws.id, member, "member");
    const seen = await callerFor(db, member).billing.overview({ workspaceSlug: ws.slug });
    expect(seen).toMatchObject({ account: null, metering: null, readOnly: null, plan: { id: "free" } });
    expect(seen.meters.find((m) => m.key === "tasksPerMonth")).toMatchObject({ used: 1, limit: 100 });
    expect(seen.meters.find((m) => m.key === "concurrentTasks")).toMatchObject({ used: 1, limit: 2 });
    const owners = await callerFor(db, owner).billing.overview({ workspaceSlug: ws.slug });
    expect(owners.account).toMatchObject({ status: "past_due", paymentFailedAt: expect.any(Date) });
  });
});

describe("a read-only workspace", () => {
  async function readOnlyWorkspace() {
    const setup = await workspaceOn("pro");
    const { key } = await createApiKey(db, setup.ws.id, setup.actor, null, "CI");
    const runner = await db.runner.create({
      data: { workspaceId: setup.ws.id, name: "box", publicKey: "k", labels: [], capabilities: {} },
    });
    const admin = await createUser(db, "Admin");
    const membership = await addMember(db, setup.ws.id, admin, "admin");
    const { task } = await createTask(db, setup.ws.id, setup.actor, { task: { kind: "ask", question: "?" } }, { source: "web" });
    const token = await createEnrollmentToken(db, setup.ws.id, setup.actor, null, { labels: [] });
    await db.billingAccount.create({ data: { workspaceId: setup.ws.id, status: "unpaid", paymentFailedAt: new Date() } });
    return { ...setup, key, runner, membership, task, token };
  }

  it("still allows revoking keys and runners, removing members, cancelling tasks and watching an enrollment", async () => {
    const { owner, ws, key, runner, membership, task, token } = await readOnlyWorkspace();
    const caller = callerFor(db, owner);
    const slug = { workspaceSlug: ws.slug };
    expect(await codeOf(caller.runner.enrollmentStatus({ ...slug, tokenId: token.id }))).toBe("OK");
    expect(await codeOf(caller.task.cancel({ ...slug, taskId: task.id }))).toBe("OK");
    expect(await codeOf(caller.apiKey.revoke({ ...slug, apiKeyId: key.id }))).toBe("OK");
    expect(await codeOf(caller.runner.revoke({ ...slug, runnerId: runner.id }))).toBe("OK");
    expect(await codeOf(caller.member.remove({ ...slug, membershipId: membership.id }))).toBe("OK");
    expect(await db.apiKey.findUniqueOrThrow({ where: { id: key.id } })).toMatchObject({ revokedAt: expect.any(Date) });
    // Creating is still refused.
    expect(await codeOf(caller.apiKey.create({ ...slug, name: "new" }))).toBe("FORBIDDEN");
    expect(await codeOf(caller.runner.createEnrollmentToken({ ...slug, labels: [] }))).toBe("FORBIDDEN");
    expect(await codeOf(caller.task.create({ ...slug, task: { kind: "ask", question: "?" } }))).toBe("FORBIDDEN");
  });

  it("lists only procedures that exist as clean-up exceptions", () => {
    const procedures = new Set(Object.keys(appRouter._def.procedures));
    expect([...cleanUpWhileReadOnly].filter((p) => !procedures.has(p))).toEqual([]);
  });

  it("refuses an invitation accepted after the grace period, and the invitation stays usable", async () => {
    const { owner, ws } = await readOnlyWorkspace();
    const token = await invite(ws, owner, "late@example.test");
    const invitee = await userWithEmail("late@example.test");
    await expect(callerFor(db, invitee).invitation.accept({ token })).rejects.toThrow(/read-only: A payment failed/);
    expect(await db.membership.count({ where: { workspaceId: ws.id, userId: invitee.id } })).toBe(0);
    expect(await db.invitation.findFirstOrThrow({ where: { workspaceId: ws.id, email: "late@example.test" } })).toMatchObject({
      acceptedAt: null,
    });
  });
});

describe("limits checked again when the addition completes", () => {
  it("refuses an invitation sent before a downgrade once the workspace is at its new member limit", async () => {
    const { owner, ws } = await workspaceOn("pro");
    for (const name of ["B", "C"]) await addMember(db, ws.id, await createUser(db, name), "member");
    const token = await invite(ws, owner, "fourth@example.test");
    await db.workspace.update({ where: { id: ws.id }, data: { plan: "free" } });
    const invitee = await userWithEmail("fourth@example.test");
    await expect(callerFor(db, invitee).invitation.accept({ token })).rejects.toThrow(
      /Free plan member limit of 3 reached \(3 members\).*remove a member or withdraw a pending invitation/,
    );
    expect(await db.membership.count({ where: { workspaceId: ws.id } })).toBe(3);
  });

  it("accepts the invitation that holds the last seat (it is not counted twice)", async () => {
    const { owner, ws } = await workspaceOn("free");
    await addMember(db, ws.id, await createUser(db, "B"), "member");
    const token = await invite(ws, owner, "third@example.test");
    const invitee = await userWithEmail("third@example.test");
    await expect(callerFor(db, invitee).invitation.accept({ token })).resolves.toEqual({ workspaceSlug: ws.slug });
    expect(await db.membership.count({ where: { workspaceId: ws.id } })).toBe(3);
  });

  it("refuses to enroll a runner with a token made while there was room, leaving the token unused", async () => {
    const { ws, actor } = await workspaceOn("free");
    const token = await createEnrollmentToken(db, ws.id, actor, null, { labels: [] });
    await db.runner.create({ data: { workspaceId: ws.id, name: "first", publicKey: "k", labels: [], capabilities: {} } });
    const publicKey = generateKeyPairSync("ed25519").publicKey.export({ format: "der", type: "spki" }).toString("base64");
    const enroll = enrollRunner(
      db,
      { token: token.token, name: "second", publicKey, capabilities: testCapabilities() },
      null,
      "http://localhost",
    );
    await expect(enroll).rejects.toThrow(/Free plan runner limit of 1 reached \(1 runners\)\. Upgrade at .* or revoke a runner/);
    expect(await db.runner.count({ where: { workspaceId: ws.id } })).toBe(1);
    expect(await db.runnerEnrollmentToken.findUniqueOrThrow({ where: { id: token.id } })).toMatchObject({ usedAt: null });
  });
});

describe("the plan's cloud allowance", () => {
  it("holds calls on Jace's key to the plan's included spend; the workspace's own key is not held to it", async () => {
    const { ws, project } = await workspaceOn("free");
    const allowance = planOf("free").limits.cloudBudgetMicros;
    expect(allowance).toBe(1_000_000);
    const first = await reserveBudget(db, ws.id, project.id, 900_000, { planAllowanceMicros: allowance });
    await settleBudget(db, first, 900_000);
    const refused = await reserveBudget(db, ws.id, project.id, 200_000, { planAllowanceMicros: allowance }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AppError);
    expect((refused as AppError).message).toMatch(/plan's included allowance for cloud models is spent/);
    // Own key: no plan allowance applies.
    await expect(reserveBudget(db, ws.id, project.id, 200_000, { planAllowanceMicros: null })).resolves.toBeDefined();
    // An upgrade raises the allowance on the next call.
    const pro = planOf("pro").limits.cloudBudgetMicros;
    await expect(reserveBudget(db, ws.id, project.id, 200_000, { planAllowanceMicros: pro })).resolves.toBeDefined();
    expect(await db.budget.findFirstOrThrow({ where: { workspaceId: ws.id, scope: "plan" } })).toMatchObject({ monthlyLimitMicros: pro });
  });
});
