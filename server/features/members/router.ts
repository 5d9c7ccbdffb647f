import { z } from "zod";
import { createTRPCRouter, protectedProcedure, workspaceProcedure } from "@/server/api/trpc";
import { userActor } from "../audit/record";
import { idempotencyKey, once } from "../idempotency/once";
import { acceptInvitation, inviteMember, listPendingInvitations, previewInvitation, revokeInvitation } from "./invitations";
import { changeRole, leaveWorkspace, listMembers, removeMember } from "./members";
import { invitationOutput, invitationPreview, invitationToken, inviteInput, memberOutput, role } from "./schemas";

const ok = z.object({ ok: z.literal(true) });
const id = z.string().min(1).max(64);
const invited = z.object({ id: z.string() });

export const memberRouter = createTRPCRouter({
  list: workspaceProcedure("workspace.read")
    .output(z.array(memberOutput))
    .query(({ ctx }) => listMembers(ctx.db, ctx.workspace.id)),

  invitations: workspaceProcedure("members.manage")
    .output(z.array(invitationOutput))
    .query(({ ctx }) => listPendingInvitations(ctx.db, ctx.workspace.id)),

  invite: workspaceProcedure("members.manage")
    .input(inviteInput.extend({ idempotencyKey }))
    .output(invited)
    .mutation(({ ctx, input: { idempotencyKey: key, ...input } }) =>
      once(ctx.db, { scope: `members.invite:${ctx.workspace.id}`, userId: ctx.session.userId, key, input }, invited, () =>
        inviteMember(ctx.db, ctx.workspace, userActor(ctx.session), ctx.role, ctx.ip, input),
      ),
    ),

  revokeInvitation: workspaceProcedure("members.manage")
    .input(z.object({ invitationId: id }))
    .output(ok)
    .mutation(async ({ ctx, input }) => {
      await revokeInvitation(ctx.db, ctx.workspace.id, userActor(ctx.session), ctx.ip, input.invitationId);
      return { ok: true as const };
    }),

  changeRole: workspaceProcedure("members.manage")
    .input(z.object({ membershipId: id, role }))
    .output(ok)
    .mutation(async ({ ctx, input }) => {
      await changeRole(ctx.db, ctx.workspace.id, userActor(ctx.session), ctx.role, ctx.ip, input.membershipId, input.role);
      return { ok: true as const };
    }),

  remove: workspaceProcedure("members.manage")
    .input(z.object({ membershipId: id }))
    .output(ok)
    .mutation(async ({ ctx, input }) => {
      await removeMember(ctx.db, ctx.workspace.id, userActor(ctx.session), ctx.role, ctx.ip, input.membershipId);
      return { ok: true as const };
    }),

  leave: workspaceProcedure("workspace.read")
    .output(ok)
    .mutation(async ({ ctx }) => {
      await leaveWorkspace(ctx.db, ctx.workspace.id, userActor(ctx.session), ctx.ip);
      return { ok: true as const };
    }),
});

/** Invitation links are opened by people who are not members yet, so these are not workspace-scoped. */
export const invitationRouter = createTRPCRouter({
  preview: protectedProcedure
    .input(invitationToken)
    .output(invitationPreview)
    .query(({ ctx, input }) => previewInvitation(ctx.db, { id: ctx.session.userId, email: ctx.session.email }, input.token)),

  accept: protectedProcedure
    .input(invitationToken)
    .output(z.object({ workspaceSlug: z.string() }))
    .mutation(({ ctx, input }) => acceptInvitation(ctx.db, { id: ctx.session.userId, email: ctx.session.email }, ctx.ip, input.token)),
});
