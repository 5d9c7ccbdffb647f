import { z } from "zod";
import { createTRPCRouter, workspaceProcedure } from "@/server/api/trpc";
import { userActor } from "../audit/record";
import { idempotencyKey, once } from "../idempotency/once";
import { createProject, getProject, listProjects, setProjectArchived, updateProject } from "./projects";
import { createProjectInput, projectOutput, updateProjectInput } from "./schemas";

const projectId = z.object({ projectId: z.string().min(1).max(64) });

export const projectRouter = createTRPCRouter({
  list: workspaceProcedure("workspace.read")
    .input(z.object({ includeArchived: z.boolean().default(false) }))
    .output(z.array(projectOutput))
    .query(({ ctx, input }) => listProjects(ctx.db, ctx.workspace.id, input)),

  get: workspaceProcedure("workspace.read")
    .input(projectId)
    .output(projectOutput)
    .query(({ ctx, input }) => getProject(ctx.db, ctx.workspace.id, input.projectId)),

  create: workspaceProcedure("projects.manage")
    .input(createProjectInput.extend({ idempotencyKey }))
    .output(projectOutput)
    .mutation(({ ctx, input: { idempotencyKey: key, ...input } }) =>
      once(ctx.db, { scope: `projects.create:${ctx.workspace.id}`, userId: ctx.session.userId, key, input }, projectOutput, () =>
        createProject(ctx.db, ctx.workspace.id, userActor(ctx.session), ctx.ip, input),
      ),
    ),

  update: workspaceProcedure("projects.manage")
    .input(updateProjectInput)
    .output(projectOutput)
    .mutation(({ ctx, input }) => updateProject(ctx.db, ctx.workspace.id, userActor(ctx.session), ctx.ip, input)),

  archive: workspaceProcedure("projects.manage")
    .input(projectId)
    .output(projectOutput)
    .mutation(({ ctx, input }) => setProjectArchived(ctx.db, ctx.workspace.id, userActor(ctx.session), ctx.ip, input.projectId, true)),

  unarchive: workspaceProcedure("projects.manage")
    .input(projectId)
    .output(projectOutput)
    .mutation(({ ctx, input }) => setProjectArchived(ctx.db, ctx.workspace.id, userActor(ctx.session), ctx.ip, input.projectId, false)),
});
