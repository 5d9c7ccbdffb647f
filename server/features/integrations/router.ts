import { z } from "zod";
import { createTRPCRouter, workspaceProcedure } from "@/server/api/trpc";
import { userActor } from "../audit/record";
import { channelDigestInput, channelLinkInput, linkSlackUserInput, slackOverviewOutput } from "./schemas";
import { disconnectSlack, linkSlackUser, setChannelDigest, slackOverview, unlinkChannel } from "./slack";

const ok = z.object({ ok: z.literal(true) });

export const integrationRouter = createTRPCRouter({
  slack: workspaceProcedure("workspace.read")
    .output(slackOverviewOutput)
    .query(({ ctx }) => slackOverview(ctx.db, ctx.workspace.id, ctx.workspace.slug)),

  disconnectSlack: workspaceProcedure("integrations.manage")
    .output(ok)
    .mutation(async ({ ctx }) => {
      await disconnectSlack(ctx.db, ctx.workspace.id, userActor(ctx.session));
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

  /** Any member links their own Slack identity: it only concerns the caller. */
  linkSlackUser: workspaceProcedure("workspace.read")
    .input(linkSlackUserInput)
    .output(z.object({ teamName: z.string() }))
    .mutation(({ ctx, input }) => linkSlackUser(ctx.db, ctx.workspace.id, userActor(ctx.session), input.token)),
});
