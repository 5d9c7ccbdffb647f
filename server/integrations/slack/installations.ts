import type { Installation, InstallationQuery, InstallationStore } from "@slack/bolt";
import { z } from "zod";
import { can } from "@/server/auth/permissions";
import { decryptSecret, encryptSecret } from "@/server/crypto";
import type { Db } from "@/server/db";
import { AppError } from "@/server/errors";
import type { SlackInstallation } from "@/server/generated/prisma/client";
import { recordAudit } from "@/server/features/audit/record";

/**
 * Slack installations in Postgres. The bot token is sealed with AES-256-GCM and bound to its team
 * id, so a ciphertext copied onto another row does not decrypt. A team maps to one Jace workspace:
 * reinstalling from that workspace updates the row in place.
 */

/** What the install link carries through Slack in the signed OAuth state. */
export const installMetadata = z.object({ workspaceId: z.string().min(1).max(64), userId: z.string().min(1).max(64) });
export type InstallMetadata = z.infer<typeof installMetadata>;

export type ConnectedInstallation = SlackInstallation & {
  botToken: string;
  workspace: { id: string; slug: string; name: string; plan: string };
};

const CACHE_MS = 5_000;
// Short-lived: every signed request looks its team up, and an uninstall on another instance is
// noticed within seconds (a revoked token fails at Slack meanwhile anyway).
// On globalThis: the server process and Next's route bundles share it, so a disconnect from the
// Integrations page is seen at once by the Bolt app.
const g = globalThis as unknown as {
  jaceSlackInstallations?: Map<string, { at: number; value: ConnectedInstallation | null }>;
  jaceSlackInstallationReads?: Map<string, Promise<ConnectedInstallation | null>>;
};
const cache = (g.jaceSlackInstallations ??= new Map());
const loading = (g.jaceSlackInstallationReads ??= new Map());

export function forgetInstallation(teamId: string): void {
  cache.delete(teamId);
  loading.delete(teamId);
}

export function findInstallation(db: Db, teamId: string): Promise<ConnectedInstallation | null> {
  const hit = cache.get(teamId);
  if (hit && Date.now() - hit.at < CACHE_MS) return Promise.resolve(hit.value);
  // A burst of one team's commands after expiry reads the row once.
  let pending = loading.get(teamId);
  if (!pending) {
    const read: Promise<ConnectedInstallation | null> = readInstallation(db, teamId).finally(() => {
      if (loading.get(teamId) === read) loading.delete(teamId);
    });
    pending = read;
    loading.set(teamId, pending);
  }
  return pending;
}

async function readInstallation(db: Db, teamId: string): Promise<ConnectedInstallation | null> {
  const row = await db.slackInstallation.findUnique({
    where: { teamId },
    include: { workspace: { select: { id: true, slug: true, name: true, plan: true } } },
  });
  const value =
    row && row.encryptedBotToken && !row.disconnectedAt ? { ...row, botToken: decryptSecret(row.encryptedBotToken, row.teamId) } : null;
  cache.set(teamId, { at: Date.now(), value });
  return value;
}

export async function saveInstallation(db: Db, installation: Installation): Promise<SlackInstallation> {
  const meta = installMetadata.safeParse(JSON.parse(installation.metadata ?? "null"));
  if (!meta.success) throw new AppError("BAD_REQUEST", "Start the Slack install from the Integrations page of your Jace workspace.");
  const { workspaceId, userId } = meta.data;
  if (installation.isEnterpriseInstall || !installation.team) {
    throw new AppError("UNPROCESSABLE", "Org-wide (Enterprise Grid) installs are not supported: install Jace into one Slack workspace.");
  }
  if (!installation.bot) throw new AppError("BAD_REQUEST", "Slack did not return a bot token.");
  // The state was signed when an admin started the install; check they still are one.
  const membership = await db.membership.findFirst({ where: { workspaceId, userId }, include: { user: true } });
  if (!membership || !can(membership.role, "integrations.manage")) {
    throw new AppError("FORBIDDEN", "Only admins and owners of the Jace workspace can connect Slack.");
  }
  const team = installation.team;
  const existing = await db.slackInstallation.findUnique({ where: { teamId: team.id } });
  if (existing && existing.workspaceId !== workspaceId) {
    if (!existing.disconnectedAt) {
      throw new AppError(
        "CONFLICT",
        `Slack workspace ${team.name ?? team.id} is already connected to another Jace workspace. Disconnect it there first.`,
      );
    }
    // A disconnected team moving to another Jace workspace takes none of its old links along.
    await db.slackInstallation.delete({ where: { id: existing.id } });
  }
  const data = {
    workspaceId,
    teamName: team.name ?? team.id,
    enterpriseId: installation.enterprise?.id ?? null,
    appId: installation.appId ?? null,
    botUserId: installation.bot.userId,
    botId: installation.bot.id,
    encryptedBotToken: encryptSecret(installation.bot.token, team.id),
    botScopes: installation.bot.scopes,
    installedById: userId,
    disconnectedAt: null,
    disconnectReason: null,
  };
  const row = await db.slackInstallation.upsert({ where: { teamId: team.id }, create: { teamId: team.id, ...data }, update: data });
  await recordAudit(db, workspaceId, { type: "user", id: userId, label: membership.user.email }, null, {
    action: existing?.workspaceId === workspaceId ? "slack.reinstalled" : "slack.installed",
    targetType: "slack_installation",
    targetId: row.id,
    metadata: { teamId: team.id, teamName: data.teamName },
  });
  forgetInstallation(team.id);
  return row;
}

/** Uninstalled, token revoked, or disconnected from Jace: the token goes, the row stays to say so. */
export async function disconnectInstallation(db: Db, teamId: string, reason: string): Promise<SlackInstallation | null> {
  const row = await db.slackInstallation.findUnique({ where: { teamId } });
  if (!row || row.disconnectedAt) return row;
  const updated = await db.slackInstallation.update({
    where: { id: row.id },
    data: { encryptedBotToken: null, disconnectedAt: new Date(), disconnectReason: reason },
  });
  await recordAudit(db, row.workspaceId, { type: "system", label: "Slack" }, null, {
    action: "slack.disconnected",
    targetType: "slack_installation",
    targetId: row.id,
    metadata: { teamId, reason },
  });
  forgetInstallation(teamId);
  return updated;
}

/** Bolt's installation store over the table above. */
export function installationStore(db: Db): InstallationStore {
  return {
    async storeInstallation(installation) {
      await saveInstallation(db, installation as Installation);
    },
    // Bolt asks this for every signed request. The listeners look the installation up themselves
    // (the slash command path inside its one INSERT), so nothing is read here, and a team that is
    // no longer connected still reaches them and hears why instead of getting a bare 401.
    fetchInstallation(query: InstallationQuery<boolean>) {
      if (!query.teamId) return Promise.reject(new Error("Org-wide (Enterprise Grid) requests are not supported"));
      return Promise.resolve({
        team: { id: query.teamId },
        enterprise: undefined,
        user: { id: "", token: undefined, scopes: undefined },
        tokenType: "bot",
        isEnterpriseInstall: false,
        authVersion: "v2",
      } satisfies Installation<"v2", false>);
    },
    async deleteInstallation(query) {
      if (query.teamId) await disconnectInstallation(db, query.teamId, "Removed from Slack");
    },
  };
}
