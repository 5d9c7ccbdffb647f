import type { Db } from "@/server/db";
import { AppError } from "@/server/errors";
import type { Role } from "@/server/generated/prisma/enums";
import type { Prisma } from "@/server/generated/prisma/client";
import { recordAudit, type UserActor } from "../audit/record";

type Tx = Prisma.TransactionClient;

export async function listMembers(db: Db, workspaceId: string) {
  const rows = await db.membership.findMany({
    where: { workspaceId },
    include: { user: { select: { email: true, name: true } } },
    orderBy: [{ createdAt: "asc" }],
  });
  return rows.map((m) => ({
    membershipId: m.id,
    userId: m.userId,
    email: m.user.email,
    name: m.user.name,
    role: m.role,
    joinedAt: m.createdAt,
  }));
}

/**
 * Membership changes lock the workspace row so two concurrent changes cannot both pass the
 * "at least one owner remains" check.
 */
async function lockWorkspace(tx: Tx, workspaceId: string): Promise<void> {
  await tx.$queryRaw`SELECT id FROM "Workspace" WHERE id = ${workspaceId} FOR UPDATE`;
}

async function ownerCount(tx: Tx, workspaceId: string): Promise<number> {
  return tx.membership.count({ where: { workspaceId, role: "owner" } });
}

async function findMembership(tx: Tx, workspaceId: string, membershipId: string) {
  const m = await tx.membership.findFirst({ where: { id: membershipId, workspaceId }, include: { user: { select: { email: true } } } });
  if (!m) throw new AppError("NOT_FOUND", "That person is not a member of this workspace.");
  return m;
}

export async function changeRole(
  db: Db,
  workspaceId: string,
  actor: UserActor,
  actorRole: Role,
  ip: string | null,
  membershipId: string,
  role: Role,
): Promise<void> {
  await db.$transaction(async (tx) => {
    await lockWorkspace(tx, workspaceId);
    const target = await findMembership(tx, workspaceId, membershipId);
    if (target.role === role) return;
    if ((role === "owner" || target.role === "owner") && actorRole !== "owner") {
      throw new AppError("FORBIDDEN", "Only an owner can grant or change the owner role.");
    }
    if (target.role === "owner" && (await ownerCount(tx, workspaceId)) <= 1) {
      throw new AppError("CONFLICT", "This is the workspace's last owner. Make someone else an owner first.");
    }
    await tx.membership.update({ where: { id: target.id }, data: { role } });
    await recordAudit(tx, workspaceId, actor, ip, {
      action: "member.role_changed",
      targetType: "member",
      targetId: target.userId,
      metadata: { email: target.user.email, from: target.role, to: role },
    });
  });
}

export async function removeMember(
  db: Db,
  workspaceId: string,
  actor: UserActor,
  actorRole: Role,
  ip: string | null,
  membershipId: string,
): Promise<void> {
  await db.$transaction(async (tx) => {
    await lockWorkspace(tx, workspaceId);
    const target = await findMembership(tx, workspaceId, membershipId);
    if (target.userId === actor.id) throw new AppError("BAD_REQUEST", "To remove yourself, use Leave workspace.");
    if (target.role === "owner" && actorRole !== "owner") throw new AppError("FORBIDDEN", "Only an owner can remove another owner.");
    if (target.role === "owner" && (await ownerCount(tx, workspaceId)) <= 1) {
      throw new AppError("CONFLICT", "This is the workspace's last owner and cannot be removed.");
    }
    await tx.membership.delete({ where: { id: target.id } });
    await recordAudit(tx, workspaceId, actor, ip, {
      action: "member.removed",
      targetType: "member",
      targetId: target.userId,
      metadata: { email: target.user.email, role: target.role },
    });
  });
}

export async function leaveWorkspace(db: Db, workspaceId: string, actor: UserActor, ip: string | null): Promise<void> {
  await db.$transaction(async (tx) => {
    await lockWorkspace(tx, workspaceId);
    const mine = await tx.membership.findFirst({ where: { workspaceId, userId: actor.id } });
    if (!mine) throw new AppError("NOT_FOUND", "You are not a member of this workspace.");
    if (mine.role === "owner" && (await ownerCount(tx, workspaceId)) <= 1) {
      throw new AppError("CONFLICT", "You are the last owner. Make someone else an owner, or delete the workspace, before leaving.");
    }
    await tx.membership.delete({ where: { id: mine.id } });
    await recordAudit(tx, workspaceId, actor, ip, {
      action: "member.left",
      targetType: "member",
      targetId: actor.id,
      metadata: { email: actor.label, role: mine.role },
    });
  });
}
