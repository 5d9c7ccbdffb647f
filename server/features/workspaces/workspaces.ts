import type { z } from "zod";
import type { Db } from "@/server/db";
import { AppError } from "@/server/errors";
import { Prisma } from "@/server/generated/prisma/client";
import { recordAudit, type Actor } from "../audit/record";
import { reservedSlugs, type createWorkspaceInput, type WorkspaceSummary } from "./schemas";

export async function listWorkspacesForUser(db: Db, userId: string): Promise<WorkspaceSummary[]> {
  const memberships = await db.membership.findMany({
    where: { userId },
    include: { workspace: true },
    orderBy: { workspace: { name: "asc" } },
  });
  return memberships.map((m) => ({
    id: m.workspace.id,
    slug: m.workspace.slug,
    name: m.workspace.name,
    plan: m.workspace.plan,
    role: m.role,
  }));
}

export async function isSlugAvailable(db: Db, slug: string): Promise<boolean> {
  if (reservedSlugs.has(slug)) return false;
  return (await db.workspace.count({ where: { slug } })) === 0;
}

/** Creates a workspace with the caller as its owner. */
export async function createWorkspace(
  db: Db,
  user: { id: string; email: string },
  input: z.infer<typeof createWorkspaceInput>,
  ip: string | null,
): Promise<WorkspaceSummary> {
  const actor: Actor = { type: "user", id: user.id, label: user.email };
  try {
    return await db.$transaction(async (tx) => {
      const workspace = await tx.workspace.create({
        data: { name: input.name, slug: input.slug, memberships: { create: { userId: user.id, role: "owner" } } },
      });
      await recordAudit(tx, workspace.id, actor, ip, {
        action: "workspace.created",
        targetType: "workspace",
        targetId: workspace.id,
        metadata: { name: workspace.name, slug: workspace.slug },
      });
      return { id: workspace.id, slug: workspace.slug, name: workspace.name, plan: workspace.plan, role: "owner" as const };
    });
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") {
      throw new AppError("CONFLICT", `The URL "${input.slug}" is already taken. Try another, such as "${input.slug}-team".`);
    }
    throw error;
  }
}

export async function renameWorkspace(db: Db, workspaceId: string, actor: Actor, ip: string | null, name: string): Promise<void> {
  await db.$transaction(async (tx) => {
    const before = await tx.workspace.findUniqueOrThrow({ where: { id: workspaceId } });
    await tx.workspace.update({ where: { id: workspaceId }, data: { name } });
    await recordAudit(tx, workspaceId, actor, ip, {
      action: "workspace.renamed",
      targetType: "workspace",
      targetId: workspaceId,
      metadata: { from: before.name, to: name },
    });
  });
}

/** Deletes the workspace and everything it owns (rows cascade). The caller confirms with the slug. */
export async function deleteWorkspace(db: Db, workspace: { id: string; slug: string }, confirmSlug: string): Promise<void> {
  if (confirmSlug !== workspace.slug) {
    throw new AppError("BAD_REQUEST", `Type the workspace URL "${workspace.slug}" to confirm deletion.`);
  }
  await db.workspace.delete({ where: { id: workspace.id } });
}
