import type { z } from "zod";
import type { Db } from "@/server/db";
import { AppError } from "@/server/errors";
import { Prisma, type Project } from "@/server/generated/prisma/client";
import { recordAudit, type Actor } from "../audit/record";
import { assertCanAdd } from "../billing/quotas";
import { projectSettings, type createProjectInput, type ProjectOutput, type updateProjectInput } from "./schemas";

function toOutput(p: Project): ProjectOutput {
  const settings = projectSettings.safeParse(p.settings);
  return { ...p, settings: settings.success ? settings.data : {} };
}

function duplicateName(error: unknown, name: string | undefined): never {
  if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") {
    throw new AppError("CONFLICT", `A project named "${name}" already exists in this workspace. Pick another name.`);
  }
  throw error;
}

export async function listProjects(db: Db, workspaceId: string, opts: { includeArchived: boolean }): Promise<ProjectOutput[]> {
  const rows = await db.project.findMany({
    where: { workspaceId, ...(opts.includeArchived ? {} : { archivedAt: null }) },
    orderBy: [{ archivedAt: { sort: "asc", nulls: "first" } }, { name: "asc" }],
  });
  return rows.map(toOutput);
}

/** Scoped by workspace: an id from another workspace is simply not found. */
export async function getProject(db: Db, workspaceId: string, projectId: string): Promise<ProjectOutput> {
  const project = await db.project.findFirst({ where: { id: projectId, workspaceId } });
  if (!project) throw new AppError("NOT_FOUND", "Project not found in this workspace.");
  return toOutput(project);
}

export async function createProject(
  db: Db,
  workspaceId: string,
  actor: Actor,
  ip: string | null,
  input: z.infer<typeof createProjectInput>,
): Promise<ProjectOutput> {
  try {
    return await db.$transaction(async (tx) => {
      await assertCanAdd(tx, workspaceId, "projects");
      const project = await tx.project.create({
        data: { workspaceId, name: input.name, description: input.description, settings: input.settings },
      });
      await recordAudit(tx, workspaceId, actor, ip, {
        action: "project.created",
        targetType: "project",
        targetId: project.id,
        metadata: { name: project.name },
      });
      return toOutput(project);
    });
  } catch (error) {
    duplicateName(error, input.name);
  }
}

export async function updateProject(
  db: Db,
  workspaceId: string,
  actor: Actor,
  ip: string | null,
  input: z.infer<typeof updateProjectInput>,
): Promise<ProjectOutput> {
  try {
    return await db.$transaction(async (tx) => {
      const before = await tx.project.findFirst({ where: { id: input.projectId, workspaceId } });
      if (!before) throw new AppError("NOT_FOUND", "Project not found in this workspace.");
      const project = await tx.project.update({
        where: { id: before.id },
        data: {
          ...(input.name !== undefined ? { name: input.name } : {}),
          ...(input.description !== undefined ? { description: input.description } : {}),
          ...(input.settings !== undefined ? { settings: input.settings } : {}),
        },
      });
      const changed = (["name", "description", "settings"] as const).filter((k) => input[k] !== undefined);
      await recordAudit(tx, workspaceId, actor, ip, {
        action: "project.updated",
        targetType: "project",
        targetId: project.id,
        metadata: { name: project.name, changed: [...changed] },
      });
      return toOutput(project);
    });
  } catch (error) {
    duplicateName(error, input.name);
  }
}

export async function setProjectArchived(
  db: Db,
  workspaceId: string,
  actor: Actor,
  ip: string | null,
  projectId: string,
  archived: boolean,
): Promise<ProjectOutput> {
  return db.$transaction(async (tx) => {
    const before = await tx.project.findFirst({ where: { id: projectId, workspaceId } });
    if (!before) throw new AppError("NOT_FOUND", "Project not found in this workspace.");
    if (!archived && before.archivedAt) await assertCanAdd(tx, workspaceId, "projects");
    const project = await tx.project.update({ where: { id: before.id }, data: { archivedAt: archived ? new Date() : null } });
    await recordAudit(tx, workspaceId, actor, ip, {
      action: archived ? "project.archived" : "project.unarchived",
      targetType: "project",
      targetId: project.id,
      metadata: { name: project.name },
    });
    return toOutput(project);
  });
}
