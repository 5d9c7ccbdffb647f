import { TRPCError } from "@trpc/server";
import { beforeEach, describe, expect, it } from "vitest";
import { testDb } from "@/server/testing/db";
import { addMember, callerFor, createUser, createWorkspaceFor, type TestUser } from "@/server/testing/factories";

const db = testDb();

async function failure(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (e) {
    if (e instanceof TRPCError) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error("expected the call to fail");
}

/** The invitation link as mailed (through the real dev mailbox), so tests use the real token. */
async function mailedToken(email: string): Promise<string> {
  const mail = await db.devMail.findFirstOrThrow({ where: { to: email }, orderBy: { createdAt: "desc" } });
  const match = mail.text.match(/\/invite\/([A-Za-z0-9_-]+)/);
  if (!match?.[1]) throw new Error("no invitation link in mail");
  return match[1];
}

let owner: TestUser;
let slug: string;
let workspaceId: string;

beforeEach(async () => {
  owner = await createUser(db, "Olive Owner");
  const ws = await createWorkspaceFor(db, owner, "Team");
  slug = ws.slug;
  workspaceId = ws.id;
});

describe("invitations", () => {
  it("invites by email, mails a link, and the invitee joins with the invited role", async () => {
    const bob = await createUser(db, "Bob");
    await callerFor(db, owner).member.invite({ workspaceSlug: slug, email: bob.email.toUpperCase(), role: "admin" });
    const token = await mailedToken(bob.email);
    const invitation = await db.invitation.findFirstOrThrow({ where: { workspaceId } });
    expect(invitation.tokenHash).not.toContain(token);
    expect(JSON.stringify(await db.auditEvent.findMany({ where: { workspaceId } }))).not.toContain(token);

    const preview = await callerFor(db, bob).invitation.preview({ token });
    expect(preview).toMatchObject({ workspaceName: "Team", role: "admin", status: "valid", emailMatches: true });
    expect(await callerFor(db, bob).invitation.accept({ token })).toEqual({ workspaceSlug: slug });
    const membership = await db.membership.findFirstOrThrow({ where: { workspaceId, userId: bob.id } });
    expect(membership.role).toBe("admin");
    expect((await callerFor(db, owner).audit.list({ workspaceSlug: slug })).items.map((e) => e.action)).toEqual(
      expect.arrayContaining(["member.invited", "member.joined"]),
    );
  });

  it("joins once when accepted twice at once; a used link admits nobody again", async () => {
    const bob = await createUser(db);
    await callerFor(db, owner).member.invite({ workspaceSlug: slug, email: bob.email, role: "member" });
    const token = await mailedToken(bob.email);
    // A double click: both answers open the workspace, one membership and one audit entry.
    const both = await Promise.all([callerFor(db, bob).invitation.accept({ token }), callerFor(db, bob).invitation.accept({ token })]);
    expect(both).toEqual([{ workspaceSlug: slug }, { workspaceSlug: slug }]);
    expect(await db.membership.count({ where: { workspaceId } })).toBe(2);
    expect(await db.auditEvent.count({ where: { workspaceId, action: "member.joined" } })).toBe(1);
    // Once Bob has left, the used link does not let him back in.
    await callerFor(db, bob).member.leave({ workspaceSlug: slug });
    const err = await failure(callerFor(db, bob).invitation.accept({ token }));
    expect(err.message).toMatch(/already been used/);
    expect(await db.membership.count({ where: { workspaceId } })).toBe(1);
  });

  it("refuses an expired invitation with a clear message", async () => {
    const bob = await createUser(db);
    await callerFor(db, owner).member.invite({ workspaceSlug: slug, email: bob.email, role: "member" });
    const token = await mailedToken(bob.email);
    await db.invitation.updateMany({ where: { workspaceId }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const err = await failure(callerFor(db, bob).invitation.accept({ token }));
    expect(err.message).toMatch(/expired/);
    expect(await db.membership.count({ where: { workspaceId, userId: bob.id } })).toBe(0);
  });

  it("refuses a revoked invitation and an unknown token", async () => {
    const bob = await createUser(db);
    await callerFor(db, owner).member.invite({ workspaceSlug: slug, email: bob.email, role: "member" });
    const token = await mailedToken(bob.email);
    const [pending] = await callerFor(db, owner).member.invitations({ workspaceSlug: slug });
    await callerFor(db, owner).member.revokeInvitation({ workspaceSlug: slug, invitationId: pending!.id });
    expect((await failure(callerFor(db, bob).invitation.accept({ token }))).message).toMatch(/withdrawn/);
    expect((await failure(callerFor(db, bob).invitation.accept({ token: "x".repeat(43) }))).code).toBe("NOT_FOUND");
  });

  it("re-inviting the same address replaces the pending invitation", async () => {
    await callerFor(db, owner).member.invite({ workspaceSlug: slug, email: "new@example.test", role: "member" });
    await callerFor(db, owner).member.invite({ workspaceSlug: slug, email: "new@example.test", role: "viewer" });
    const pending = await callerFor(db, owner).member.invitations({ workspaceSlug: slug });
    expect(pending).toHaveLength(1);
    expect(pending[0]!.role).toBe("viewer");
  });

  it("rejects an invalid email and an existing member without storing anything", async () => {
    expect((await failure(callerFor(db, owner).member.invite({ workspaceSlug: slug, email: "not-an-email", role: "member" }))).code).toBe(
      "BAD_REQUEST",
    );
    expect(
      (await failure(callerFor(db, owner).member.invite({ workspaceSlug: slug, email: owner.email, role: "member" }))).message,
    ).toMatch(/already a member/);
    expect(await db.invitation.count({ where: { workspaceId } })).toBe(0);
  });

  it("only owners invite owners", async () => {
    const admin = await createUser(db);
    await addMember(db, workspaceId, admin, "admin");
    expect((await failure(callerFor(db, admin).member.invite({ workspaceSlug: slug, email: "x@example.test", role: "owner" }))).code).toBe(
      "FORBIDDEN",
    );
  });
});

describe("roles and leaving", () => {
  it("the last owner can neither leave nor be demoted", async () => {
    expect((await failure(callerFor(db, owner).member.leave({ workspaceSlug: slug }))).message).toMatch(/last owner/);
    const mine = await db.membership.findFirstOrThrow({ where: { workspaceId, userId: owner.id } });
    expect(
      (await failure(callerFor(db, owner).member.changeRole({ workspaceSlug: slug, membershipId: mine.id, role: "admin" }))).message,
    ).toMatch(/last owner/);
    expect((await db.membership.findUniqueOrThrow({ where: { id: mine.id } })).role).toBe("owner");
  });

  it("two owners demoting each other at once leave exactly one owner", async () => {
    const second = await createUser(db);
    const m2 = await addMember(db, workspaceId, second, "owner");
    const m1 = await db.membership.findFirstOrThrow({ where: { workspaceId, userId: owner.id } });
    const results = await Promise.allSettled([
      callerFor(db, owner).member.changeRole({ workspaceSlug: slug, membershipId: m2.id, role: "member" }),
      callerFor(db, second).member.changeRole({ workspaceSlug: slug, membershipId: m1.id, role: "member" }),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(await db.membership.count({ where: { workspaceId, role: "owner" } })).toBe(1);
  });

  it("a member can leave; admins cannot remove owners; nobody removes themselves", async () => {
    const admin = await createUser(db);
    const member = await createUser(db);
    const mAdmin = await addMember(db, workspaceId, admin, "admin");
    await addMember(db, workspaceId, member, "member");
    const mOwner = await db.membership.findFirstOrThrow({ where: { workspaceId, userId: owner.id } });
    expect((await failure(callerFor(db, admin).member.remove({ workspaceSlug: slug, membershipId: mOwner.id }))).code).toBe("FORBIDDEN");
    expect((await failure(callerFor(db, admin).member.remove({ workspaceSlug: slug, membershipId: mAdmin.id }))).message).toMatch(/Leave/);
    await callerFor(db, member).member.leave({ workspaceSlug: slug });
    expect(await db.membership.count({ where: { workspaceId, userId: member.id } })).toBe(0);
  });
});
