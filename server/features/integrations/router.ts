import { z } from "zod";
import { createTRPCRouter, workspaceProcedure } from "@/server/api/trpc";
import { userActor } from "../audit/record";
import {
  channelDigestInput,
  channelLinkInput,
  disconnectSlackInput,
  slackLinkCodeOutput,
  slackLinkRequestOutput,
  slackLinkTokenInput,
  slackOverviewOutput,
  slackUserLinkInput,
} from "./schemas";
import { disconnectSlack, setChannelDigest, slackOverview, unlinkChannel, unlinkSlackUser } from "./slack";
import { slackLinkRequest, startSlackLink } from "./slack-link";

const ok = z.object({ ok: z.literal(true) });

export const integrationRouter = createTRPCRouter({
  slack: workspaceProcedure("workspace.read")
    .output(slackOverviewOutput)
    .query(({ ctx }) => slackOverview(ctx.db, ctx.workspace.id, ctx.workspace.slug)),

  disconnectSlack: workspaceProcedure("integrations.manage")
    .input(disconnectSlackInput)
    .output(ok)
    .mutation(async ({ ctx, input }) => {
      await disconnectSlack(ctx.db, ctx.workspace.id, userActor(ctx.session), input.installationId);
      return { ok: true as const };
    }),

  setChannelDigest: workspaceProcedure("integrations.manage")
    .input(channelDigestInput)
    .output(ok)
    .mutation(async ({ ctx, input }) => {
      await setChannelDigest(ctx.db, ctx.workspace.id, userActor(ctx.session), input.linkId, input.digest);
      return { ok: true as const };
    }),

  unlinkChannel: workspaceProcedure("integrations.manage")
    .input(channelLinkInput)
    .output(ok)
    .mutation(async ({ ctx, input }) => {
      await unlinkChannel(ctx.db, ctx.workspace.id, userActor(ctx.session), input.linkId);
      return { ok: true as const };
    }),

  unlinkSlackUser: workspaceProcedure("integrations.manage")
    .input(slackUserLinkInput)
    .output(ok)
    .mutation(async ({ ctx, input }) => {
      await unlinkSlackUser(ctx.db, ctx.workspace.id, userActor(ctx.session), input.linkId);
      return { ok: true as const };
    }),

  /** The link page: who would be linked to whom. Any member may link their own Slack identity. */
  slackLinkRequest: workspaceProcedure("workspace.read")
    .input(slackLinkTokenInput)
    .output(slackLinkRequestOutput)
    .query(({ ctx, input }) => slackLinkRequest(ctx.db, ctx.workspace.id, userActor(ctx.session), ctx.role, input.token)),

  /** A one-time code for the caller; only the Slack user named in the token can redeem it, in Slack. */
  startSlackLink: workspaceProcedure("workspace.read")
    .input(slackLinkTokenInput)
    .output(slackLinkCodeOutput)
    .mutation(({ ctx, input }) => startSlackLink(ctx.db, ctx.workspace.id, userActor(ctx.session), input.token)),
});
