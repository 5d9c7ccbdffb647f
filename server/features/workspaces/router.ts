import { z } from "zod";
import { createTRPCRouter, protectedProcedure, workspaceProcedure } from "@/server/api/trpc";
import { userActor } from "../audit/record";
import { idempotencyKey, once } from "../idempotency/once";
import { createWorkspaceInput, workspaceName, workspaceSlug, workspaceSummary } from "./schemas";
import { createWorkspace, deleteWorkspace, isSlugAvailable, listWorkspacesForUser, renameWorkspace } from "./workspaces";

export const workspaceRouter = createTRPCRouter({
  list: protectedProcedure.output(z.array(workspaceSummary)).query(({ ctx }) => listWorkspacesForUser(ctx.db, ctx.session.userId)),

  slugAvailable: protectedProcedure
    .input(z.object({ slug: z.string().max(100) }))
    .output(z.object({ available: z.boolean(), reason: z.string().nullable() }))
    .query(async ({ ctx, input }) => {
      const parsed = workspaceSlug.safeParse(input.slug);
      if (!parsed.success) return { available: false, reason: parsed.error.issues[0]?.message ?? "Invalid URL." };
      const available = await isSlugAvailable(ctx.db, parsed.data);
      return { available, reason: available ? null : "That URL is already taken." };
    }),

  create: protectedProcedure
    .input(createWorkspaceInput.extend({ idempotencyKey }))
    .output(workspaceSummary)
    .mutation(({ ctx, input: { idempotencyKey: key, ...input } }) =>
      once(ctx.db, { scope: "workspaces.create", userId: ctx.session.userId, key, input }, workspaceSummary, () =>
        createWorkspace(ctx.db, { id: ctx.session.userId, email: ctx.session.email }, input, ctx.ip),
      ),
    ),

  get: workspaceProcedure("workspace.read")
    .output(workspaceSummary.extend({ createdAt: z.date() }))
    .query(({ ctx }) => ({
      id: ctx.workspace.id,
      slug: ctx.workspace.slug,
      name: ctx.workspace.name,
      plan: ctx.workspace.plan,
      role: ctx.role,
      createdAt: ctx.workspace.createdAt,
    })),

  rename: workspaceProcedure("workspace.update")
    .input(z.object({ name: workspaceName }))
    .output(z.object({ ok: z.literal(true) }))
    .mutation(async ({ ctx, input }) => {
      await renameWorkspace(ctx.db, ctx.workspace.id, userActor(ctx.session), ctx.ip, input.name);
      return { ok: true as const };
    }),

  delete: workspaceProcedure("workspace.delete")
    .input(z.object({ confirmSlug: z.string().max(64) }))
    .output(z.object({ ok: z.literal(true) }))
    .mutation(async ({ ctx, input }) => {
      await deleteWorkspace(ctx.db, ctx.workspace, input.confirmSlug);
      ctx.log.warn({ workspaceId: ctx.workspace.id, by: ctx.session.userId }, "workspace deleted");
      return { ok: true as const };
    }),
});
