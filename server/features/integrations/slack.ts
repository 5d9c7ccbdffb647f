import type { Db } from "@/server/db";
import { getEnv } from "@/server/env";
import { AppError } from "@/server/errors";
import { logger } from "@/server/logger";
import {
  botClient,
  disconnectInstallation,
  findInstallation,
  readLinkToken,
  SLACK_INSTALL_PATH,
  SLACK_SETTINGS,
  slackConfig,
} from "@/server/integrations/slack";
import { recordAudit, type UserActor } from "../audit/record";
import type { SlackOverview } from "./schemas";

/** The Slack connection as the Integrations page shows it. Every query is scoped by workspaceId. */

export async function slackOverview(db: Db, workspaceId: string, slug: string): Promise<SlackOverview> {
  const env = getEnv();
  const installation = await db.slackInstallation.findFirst({ where: { workspaceId } });
  const channels = installation
    ? await db.slackChannelLink.findMany({
        where: { workspaceId, installationId: installation.id },
        include: { project: { select: { name: true } } },
        orderBy: { channelName: "asc" },
      })
    : [];
  return {
    configured: env.slack,
    missing: SLACK_SETTINGS.filter((k) => !env[k]),
    installUrl: `${SLACK_INSTALL_PATH}?workspace=${encodeURIComponent(slug)}`,
    installation: installation && {
      teamId: installation.teamId,
      teamName: installation.teamName,
      connected: !installation.disconnectedAt,
      installedAt: installation.installedAt,
      disconnectedAt: installation.disconnectedAt,
      disconnectReason: installation.disconnectReason,
    },
    channels: channels.map((c) => ({
      id: c.id,
      channelId: c.channelId,
      channelName: c.channelName,
      projectId: c.projectId,
      projectName: c.project.name,
      digest: c.digest,
    })),
  };
}

/** Revokes the bot token at Slack (best effort) and forgets it here. */
export async function disconnectSlack(db: Db, workspaceId: string, actor: UserActor): Promise<void> {
  const row = await db.slackInstallation.findFirst({ where: { workspaceId, disconnectedAt: null } });
  if (!row) throw new AppError("NOT_FOUND", "Slack is not connected to this workspace.");
  const config = slackConfig();
  const connected = await findInstallation(db, row.teamId);
  if (config && connected) {
    await botClient(config, connected.botToken)
      .auth.revoke()
      .catch((err: unknown) => logger.warn({ err, teamId: row.teamId }, "could not revoke the Slack token; forgetting it anyway"));
  }
  await disconnectInstallation(db, row.teamId, `Disconnected from Jace by ${actor.label}`);
}

async function ownLink(db: Db, workspaceId: string, linkId: string) {
  const link = await db.slackChannelLink.findFirst({ where: { id: linkId, workspaceId } });
  if (!link) throw new AppError("NOT_FOUND", "Channel link not found in this workspace.");
  return link;
}

export async function setChannelDigest(db: Db, workspaceId: string, actor: UserActor, linkId: string, digest: boolean): Promise<void> {
  const link = await ownLink(db, workspaceId, linkId);
  await db.slackChannelLink.update({ where: { id: link.id }, data: { digest } });
  await recordAudit(db, workspaceId, actor, null, {
    action: digest ? "slack.digest_on" : "slack.digest_off",
    targetType: "slack_channel",
    targetId: link.id,
    metadata: { channel: link.channelName },
  });
}

export async function unlinkChannel(db: Db, workspaceId: string, actor: UserActor, linkId: string): Promise<void> {
  const link = await ownLink(db, workspaceId, linkId);
  await db.slackChannelLink.delete({ where: { id: link.id } });
  await recordAudit(db, workspaceId, actor, null, {
    action: "slack.channel_unlinked",
    targetType: "slack_channel",
    targetId: link.id,
    metadata: { channel: link.channelName },
  });
}

/** The one-click link: the signed-in member becomes the Slack user named in the token. */
export async function linkSlackUser(db: Db, workspaceId: string, actor: UserActor, token: string): Promise<{ teamName: string }> {
  const claim = readLinkToken(token);
  // The token's installation must belong to the workspace in the URL, not merely exist.
  const installation = claim ? await db.slackInstallation.findFirst({ where: { id: claim.installationId, workspaceId } }) : null;
  if (!claim || !installation)
    throw new AppError(
      "NOT_FOUND",
      "This link is not valid for this workspace, or it has expired. Run the command in Slack again for a new one.",
    );
  await db.slackUserLink.upsert({
    where: { installationId_slackUserId: { installationId: installation.id, slackUserId: claim.slackUserId } },
    create: { workspaceId, installationId: installation.id, slackUserId: claim.slackUserId, userId: actor.id, linkedVia: "link" },
    update: { userId: actor.id, linkedVia: "link" },
  });
  await recordAudit(db, workspaceId, actor, null, {
    action: "slack.user_linked",
    targetType: "slack_user",
    targetId: claim.slackUserId,
    metadata: { teamId: installation.teamId },
  });
  return { teamName: installation.teamName };
}
