import type { Db } from "@/server/db";
import type { Role } from "@/server/generated/prisma/enums";
import { logger } from "@/server/logger";
import type { SlackClient } from "./client";
import type { ConnectedInstallation } from "./installations";
import { ttlCache } from "./ttl-cache";

/**
 * Who and where a Slack request is in Jace terms: the Slack user as a member of the installation's
 * workspace (never any other), and the channel as a project.
 */
export type SlackMember = { userId: string; email: string; role: Role };

type UsersInfo = { ok?: boolean; user?: { is_bot?: boolean; profile?: { email?: string }; is_email_confirmed?: boolean } };

export async function resolveMember(
  db: Db,
  installation: ConnectedInstallation,
  slackUserId: string,
  client: SlackClient,
): Promise<SlackMember | null> {
  const link = await db.slackUserLink.findUnique({
    where: { installationId_slackUserId: { installationId: installation.id, slackUserId } },
  });
  if (link) {
    const membership = await db.membership.findFirst({
      where: { workspaceId: installation.workspaceId, userId: link.userId },
      include: { user: { select: { email: true } } },
    });
    // A link outlives a removed membership: a former member is unknown again.
    return membership ? { userId: link.userId, email: membership.user.email, role: membership.role } : null;
  }
  const email = await slackEmail(client, slackUserId);
  if (!email) return null;
  const user = await db.user.findFirst({ where: { email: email.toLowerCase(), emailVerified: { not: null } } });
  if (!user) return null;
  const membership = await db.membership.findFirst({ where: { workspaceId: installation.workspaceId, userId: user.id } });
  if (!membership) return null;
  await db.slackUserLink.upsert({
    where: { installationId_slackUserId: { installationId: installation.id, slackUserId } },
    create: { workspaceId: installation.workspaceId, installationId: installation.id, slackUserId, userId: user.id, linkedVia: "email" },
    update: {},
  });
  return { userId: user.id, email: user.email, role: membership.role };
}

/** The Slack user's email when Slack has confirmed it (needs users:read.email). */
async function slackEmail(client: SlackClient, slackUserId: string): Promise<string | null> {
  try {
    const res = (await client.users.info({ user: slackUserId })) as UsersInfo;
    if (res.user?.is_bot || res.user?.is_email_confirmed === false) return null;
    return res.user?.profile?.email ?? null;
  } catch (err) {
    logger.warn({ err, slackUserId }, "slack users.info failed");
    return null;
  }
}

export async function channelProject(db: Db, installation: ConnectedInstallation, channelId: string) {
  const link = await db.slackChannelLink.findUnique({
    where: { installationId_channelId: { installationId: installation.id, channelId } },
    include: { project: true },
  });
  return link && link.project.workspaceId === installation.workspaceId ? link.project : null;
}

export async function channelName(client: SlackClient, channelId: string, fallback: string): Promise<string> {
  try {
    const res = (await client.conversations.info({ channel: channelId })) as { channel?: { name?: string } };
    return res.channel?.name ?? fallback;
  } catch {
    return fallback;
  }
}

export async function linkChannel(
  db: Db,
  installation: ConnectedInstallation,
  channelId: string,
  name: string,
  projectId: string,
): Promise<void> {
  await db.slackChannelLink.upsert({
    where: { installationId_channelId: { installationId: installation.id, channelId } },
    create: { workspaceId: installation.workspaceId, installationId: installation.id, channelId, channelName: name, projectId },
    update: { projectId, channelName: name },
  });
  projects.delete(`${installation.id}:${channelId}`);
}

const members = ttlCache<SlackMember | null>(3_000);
const projects = ttlCache<Awaited<ReturnType<typeof channelProject>>>(3_000);

/** For task submission only: a member's role may be up to 3 s old there. */
export function cachedMember(db: Db, installation: ConnectedInstallation, slackUserId: string, client: SlackClient) {
  return members.get(`${installation.id}:${slackUserId}`, () => resolveMember(db, installation, slackUserId, client));
}

export function forgetMember(installation: { id: string }, slackUserId: string): void {
  members.delete(`${installation.id}:${slackUserId}`);
}

export function cachedChannelProject(db: Db, installation: ConnectedInstallation, channelId: string) {
  return projects.get(`${installation.id}:${channelId}`, () => channelProject(db, installation, channelId));
}
