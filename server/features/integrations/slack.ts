import type { Db } from "@/server/db";
import { getEnv } from "@/server/env";
import { AppError } from "@/server/errors";
import { logger } from "@/server/logger";
import {
  botClient,
  disconnectInstallation,
  findInstallation,
  SLACK_INSTALL_PATH,
  SLACK_SETTINGS,
  slackConfig,
} from "@/server/integrations/slack";
import { recordAudit, type UserActor } from "../audit/record";
import type { SlackOverview } from "./schemas";

/** The Slack connection as the Integrations page shows it. Every query is scoped by workspaceId. */

export async function slackOverview(db: Db, workspaceId: string, slug: string): Promise<SlackOverview> {
  const env = getEnv();
  const [installations, channels, users] = await Promise.all([
    db.slackInstallation.findMany({ where: { workspaceId }, orderBy: { installedAt: "asc" } }),
    db.slackChannelLink.findMany({
      where: { workspaceId },
      include: { project: { select: { name: true } } },
      orderBy: { channelName: "asc" },
    }),
    db.slackUserLink.findMany({ where: { workspaceId }, orderBy: { createdAt: "asc" } }),
  ]);
  const emails = new Map(
    (
      await db.membership.findMany({
        where: { workspaceId, userId: { in: users.map((u) => u.userId) } },
        select: { userId: true, user: { select: { email: true } } },
      })
    ).map((m) => [m.userId, m.user.email]),
  );
  return {
    configured: env.slack,
    missing: SLACK_SETTINGS.filter((k) => !env[k]),
    installUrl: `${SLACK_INSTALL_PATH}?workspace=${encodeURIComponent(slug)}`,
    installations: installations.map((i) => ({
      id: i.id,
      teamId: i.teamId,
      teamName: i.teamName,
      connected: !i.disconnectedAt,
      installedAt: i.installedAt,
      disconnectedAt: i.disconnectedAt,
      disconnectReason: i.disconnectReason,
      channels: channels
        .filter((c) => c.installationId === i.id)
        .map((c) => ({
          id: c.id,
          channelId: c.channelId,
          channelName: c.channelName,
          projectId: c.projectId,
          projectName: c.project.name,
          digest: c.digest,
        })),
      users: users
        .filter((u) => u.installationId === i.id)
        .map((u) => ({
          id: u.id,
          slackUserId: u.slackUserId,
          email: emails.get(u.userId) ?? "(no longer a member)",
          linkedVia: u.linkedVia,
        })),
    })),
  };
}

/** Revokes one Slack team's bot token at Slack (best effort) and forgets it here. */
export async function disconnectSlack(db: Db, workspaceId: string, actor: UserActor, installationId: string): Promise<void> {
  const row = await db.slackInstallation.findFirst({ where: { id: installationId, workspaceId } });
  if (!row) throw new AppError("NOT_FOUND", "That Slack connection was not found in this workspace.");
  if (row.disconnectedAt) throw new AppError("CONFLICT", `${row.teamName} is already disconnected.`);
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

/** Removes a Slack user's link: that Slack account is unknown to Jace again until it is linked anew. */
export async function unlinkSlackUser(db: Db, workspaceId: string, actor: UserActor, linkId: string): Promise<void> {
  const link = await db.slackUserLink.findFirst({ where: { id: linkId, workspaceId } });
  if (!link) throw new AppError("NOT_FOUND", "Slack user link not found in this workspace.");
  await db.slackUserLink.delete({ where: { id: link.id } });
  await recordAudit(db, workspaceId, actor, null, {
    action: "slack.user_unlinked",
    targetType: "slack_user",
    targetId: link.slackUserId,
    metadata: { userId: link.userId },
  });
}
