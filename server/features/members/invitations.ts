import { createElement } from "react";
import { InvitationEmail } from "@/emails/invitation";
import { sendEmail } from "@/emails/send";
import { hashToken, randomToken } from "@/server/crypto";
import type { Db } from "@/server/db";
import { getEnv } from "@/server/env";
import { AppError } from "@/server/errors";
import type { Role } from "@/server/generated/prisma/enums";
import { recordAudit, type Actor, type UserActor } from "../audit/record";
import { assertCanAdd } from "../billing/quotas";

export const INVITATION_TTL_MS = 7 * 24 * 60 * 60 * 1000;

export async function listPendingInvitations(db: Db, workspaceId: string) {
  const now = new Date();
  const rows = await db.invitation.findMany({
    where: { workspaceId, acceptedAt: null, revokedAt: null },
    orderBy: { createdAt: "desc" },
  });
  return rows.map((i) => ({
    id: i.id,
    email: i.email,
    role: i.role,
    expiresAt: i.expiresAt,
    createdAt: i.createdAt,
    expired: i.expiresAt < now,
  }));
}

/**
 * Invites an email address. A pending invitation for the same address is replaced, so "invite
 * again" doubles as "resend". The token is mailed and only its hash is stored.
 */
export async function inviteMember(
  db: Db,
  workspace: { id: string; name: string },
  actor: UserActor,
  actorRole: Role,
  ip: string | null,
  input: { email: string; role: Role },
): Promise<{ id: string }> {
  if (input.role === "owner" && actorRole !== "owner") throw new AppError("FORBIDDEN", "Only an owner can invite another owner.");
  const token = randomToken();
  const expiresAt = new Date(Date.now() + INVITATION_TTL_MS);
  const invitation = await db.$transaction(async (tx) => {
    const existing = await tx.membership.findFirst({ where: { workspaceId: workspace.id, user: { email: input.email } } });
    if (existing) throw new AppError("CONFLICT", `${input.email} is already a member of this workspace.`);
    // Re-inviting an address replaces its pending invitation and takes no new seat.
    const pending = await tx.invitation.count({
      where: { workspaceId: workspace.id, email: input.email, acceptedAt: null, revokedAt: null, expiresAt: { gt: new Date() } },
    });
    if (pending === 0) await assertCanAdd(tx, workspace.id, "members");
    await tx.invitation.updateMany({
      where: { workspaceId: workspace.id, email: input.email, acceptedAt: null, revokedAt: null },
      data: { revokedAt: new Date() },
    });
    const created = await tx.invitation.create({
      data: {
        workspaceId: workspace.id,
        email: input.email,
        role: input.role,
        tokenHash: hashToken(token),
        expiresAt,
        invitedById: actor.id,
      },
    });
    await recordAudit(tx, workspace.id, actor, ip, {
      action: "member.invited",
      targetType: "invitation",
      targetId: created.id,
      metadata: { email: input.email, role: input.role },
    });
    return created;
  });
  const inviter = await db.user.findUnique({ where: { id: actor.id }, select: { name: true, email: true } });
  await sendEmail({
    to: input.email,
    subject: `You're invited to ${workspace.name} on Jace`,
    kind: "invitation",
    react: createElement(InvitationEmail, {
      url: `${getEnv().appUrl}/invite/${token}`,
      workspaceName: workspace.name,
      inviterName: inviter?.name ?? inviter?.email ?? "A teammate",
      role: input.role,
      expiresAt,
    }),
  });
  return { id: invitation.id };
}

export async function revokeInvitation(db: Db, workspaceId: string, actor: Actor, ip: string | null, invitationId: string): Promise<void> {
  await db.$transaction(async (tx) => {
    const inv = await tx.invitation.findFirst({ where: { id: invitationId, workspaceId, acceptedAt: null, revokedAt: null } });
    if (!inv) throw new AppError("NOT_FOUND", "No pending invitation with that id in this workspace.");
    await tx.invitation.update({ where: { id: inv.id }, data: { revokedAt: new Date() } });
    await recordAudit(tx, workspaceId, actor, ip, {
      action: "member.invitation_revoked",
      targetType: "invitation",
      targetId: inv.id,
      metadata: { email: inv.email },
    });
  });
}

type InvitationStatus = "valid" | "expired" | "accepted" | "revoked";

function statusOf(inv: { acceptedAt: Date | null; revokedAt: Date | null; expiresAt: Date }): InvitationStatus {
  if (inv.acceptedAt) return "accepted";
  if (inv.revokedAt) return "revoked";
  if (inv.expiresAt < new Date()) return "expired";
  return "valid";
}

async function findByToken(db: Db, token: string) {
  const inv = await db.invitation.findUnique({ where: { tokenHash: hashToken(token) }, include: { workspace: true } });
  if (!inv) throw new AppError("NOT_FOUND", "This invitation link is not valid. Ask for a new invitation.");
  return inv;
}

/**
 * What the sign-in page tells someone who opened an invitation link while signed out: who invited
 * them to which workspace, and the address to sign in with. Only for a pending invitation; the
 * token is the proof, as on the invitation page itself.
 */
export async function invitationForSignIn(
  db: Db,
  token: string,
): Promise<{ workspaceName: string; inviterName: string; email: string } | null> {
  if (!token || token.length > 200) return null;
  const inv = await db.invitation.findUnique({ where: { tokenHash: hashToken(token) }, include: { workspace: true } });
  if (!inv || statusOf(inv) !== "valid") return null;
  const inviter = await db.user.findUnique({ where: { id: inv.invitedById }, select: { name: true, email: true } });
  return { workspaceName: inv.workspace.name, inviterName: inviter?.name ?? inviter?.email ?? "A teammate", email: inv.email };
}

export async function previewInvitation(db: Db, user: { id: string; email: string }, token: string) {
  const inv = await findByToken(db, token);
  const inviter = await db.user.findUnique({ where: { id: inv.invitedById }, select: { name: true, email: true } });
  const member = await db.membership.findFirst({ where: { workspaceId: inv.workspaceId, userId: user.id } });
  return {
    workspaceName: inv.workspace.name,
    workspaceSlug: inv.workspace.slug,
    inviterName: inviter?.name ?? inviter?.email ?? "A teammate",
    email: inv.email,
    role: inv.role,
    status: statusOf(inv),
    emailMatches: inv.email === user.email.toLowerCase(),
    alreadyMember: Boolean(member),
  };
}

const statusMessage: Record<Exclude<InvitationStatus, "valid">, string> = {
  accepted: "This invitation has already been used. Ask an admin for a new one if you need access.",
  revoked: "This invitation was withdrawn. Ask an admin for a new one.",
  expired: "This invitation has expired. Ask an admin to invite you again.",
};

/**
 * Accepts an invitation for the signed-in user; the invitation is consumed atomically, once. A repeat
 * by the person it admitted (a double click, a retry after a lost reply) answers with the workspace.
 */
export async function acceptInvitation(
  db: Db,
  user: { id: string; email: string },
  ip: string | null,
  token: string,
): Promise<{ workspaceSlug: string }> {
  const inv = await findByToken(db, token);
  const joined = { workspaceSlug: inv.workspace.slug };
  /** True when this invitation already admitted this user, who is still a member. */
  const admittedMe = async () => {
    const now = await db.invitation.findUnique({ where: { id: inv.id }, select: { acceptedById: true } });
    if (now?.acceptedById !== user.id) return false;
    return Boolean(await db.membership.findFirst({ where: { workspaceId: inv.workspaceId, userId: user.id }, select: { id: true } }));
  };
  const status = statusOf(inv);
  if (status === "accepted" && (await admittedMe())) return joined;
  if (status !== "valid") throw new AppError("GONE", statusMessage[status]);
  if (inv.email !== user.email.toLowerCase()) {
    throw new AppError("FORBIDDEN", `This invitation is for ${inv.email}. Sign in with that address to accept it.`);
  }
  try {
    return await admit(db, inv, user, ip);
  } catch (error) {
    // Lost the race to a concurrent accept of the same link: fine if that one admitted this user.
    if (error instanceof AppError && error.code === "GONE" && (await admittedMe())) return joined;
    throw error;
  }
}

async function admit(
  db: Db,
  inv: Awaited<ReturnType<typeof findByToken>>,
  user: { id: string; email: string },
  ip: string | null,
): Promise<{ workspaceSlug: string }> {
  return db.$transaction(async (tx) => {
    // The plan may have dropped (or the workspace gone read-only) since the invitation was sent;
    // its own seat is the one being taken, so it is not counted.
    await assertCanAdd(tx, inv.workspaceId, "members", { acceptingInvitationId: inv.id });
    const consumed = await tx.invitation.updateMany({
      where: { id: inv.id, acceptedAt: null, revokedAt: null, expiresAt: { gt: new Date() } },
      data: { acceptedAt: new Date(), acceptedById: user.id },
    });
    if (consumed.count !== 1) throw new AppError("GONE", statusMessage.accepted);
    const existing = await tx.membership.findFirst({ where: { workspaceId: inv.workspaceId, userId: user.id } });
    if (existing) throw new AppError("CONFLICT", "You are already a member of this workspace.");
    await tx.membership.create({ data: { workspaceId: inv.workspaceId, userId: user.id, role: inv.role } });
    await recordAudit(tx, inv.workspaceId, { type: "user", id: user.id, label: user.email }, ip, {
      action: "member.joined",
      targetType: "member",
      targetId: user.id,
      metadata: { email: user.email, role: inv.role, invitationId: inv.id },
    });
    return { workspaceSlug: inv.workspace.slug };
  });
}
