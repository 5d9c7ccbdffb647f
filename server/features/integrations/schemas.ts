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

export const slackUserOutput = z.object({
  id: z.string(),
  slackUserId: z.string(),
  email: z.string(),
  linkedVia: z.string(),
});

export const slackInstallationOutput = z.object({
  id: z.string(),
  teamId: z.string(),
  teamName: z.string(),
  connected: z.boolean(),
  installedAt: z.date(),
  disconnectedAt: z.date().nullable(),
  disconnectReason: z.string().nullable(),
  channels: z.array(slackChannelOutput),
  /** Slack users acting as members (matched by verified email, or linked with a code). */
  users: z.array(slackUserOutput),
});

export const slackOverviewOutput = z.object({
  configured: z.boolean(),
  /** The settings still needed when Slack is not configured. */
  missing: z.array(z.string()),
  /** Where an admin starts an install (with this workspace in the signed state). */
  installUrl: z.string(),
  /** Every Slack team connected to this workspace (or disconnected from it), oldest first. */
  installations: z.array(slackInstallationOutput),
});
export type SlackOverview = z.infer<typeof slackOverviewOutput>;

export const disconnectSlackInput = z.object({ installationId: id });
export const channelLinkInput = z.object({ linkId: id });
export const slackUserLinkInput = z.object({ linkId: id });
export const channelDigestInput = z.object({ linkId: id, digest: z.boolean() });
export const slackLinkTokenInput = z.object({ token: z.string().min(10).max(600) });

/** What the link page shows before anything happens: who would be linked to whom. */
export const slackLinkRequestOutput = z.object({
  teamName: z.string(),
  slackUserId: z.string(),
  slackUserName: z.string(),
  /** The signed-in member who would become that Slack user, and their role. */
  email: z.string(),
  role: z.string(),
  /** "you": already linked to the caller; "other": linked to another member (cannot be replaced here). */
  linked: z.enum(["no", "you", "other"]),
});
export type SlackLinkRequest = z.infer<typeof slackLinkRequestOutput>;

export const slackLinkCodeOutput = z.object({ code: z.string(), expiresAt: z.date() });
