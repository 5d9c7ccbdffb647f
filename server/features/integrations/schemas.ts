import { z } from "zod";

const id = z.string().min(1).max(64);

export const slackChannelOutput = z.object({
  id: z.string(),
  channelId: z.string(),
  channelName: z.string(),
  projectId: z.string(),
  projectName: z.string(),
  digest: z.boolean(),
});

export const slackOverviewOutput = z.object({
  configured: z.boolean(),
  /** The settings still needed when Slack is not configured. */
  missing: z.array(z.string()),
  /** Where an admin starts the install (with this workspace in the signed state). */
  installUrl: z.string(),
  installation: z
    .object({
      teamId: z.string(),
      teamName: z.string(),
      connected: z.boolean(),
      installedAt: z.date(),
      disconnectedAt: z.date().nullable(),
      disconnectReason: z.string().nullable(),
    })
    .nullable(),
  channels: z.array(slackChannelOutput),
});
export type SlackOverview = z.infer<typeof slackOverviewOutput>;

export const channelLinkInput = z.object({ linkId: id });
export const channelDigestInput = z.object({ linkId: id, digest: z.boolean() });
export const linkSlackUserInput = z.object({ token: z.string().min(10).max(500) });
