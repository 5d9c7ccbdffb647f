import type { Db } from "@/server/db";
import { botClient } from "./client";
import { slackConfig } from "./config";
import { findInstallation } from "./installations";
import { escape, formatCost, link, taskUrl } from "./messages";

const DAY_MS = 24 * 60 * 60 * 1000;

/** Channels that asked for the daily digest. */
export async function digestChannels(db: Db): Promise<string[]> {
  const links = await db.slackChannelLink.findMany({
    where: { digest: true, installation: { disconnectedAt: null } },
    select: { id: true },
  });
  return links.map((l) => l.id);
}

/**
 * One channel's digest: the day's tasks of its project (counts by outcome, cost, the failures).
 * A day without tasks posts nothing.
 */
export async function postDigest(db: Db, linkId: string, now = new Date()): Promise<{ posted: boolean }> {
  const config = slackConfig();
  const l = await db.slackChannelLink.findUnique({ where: { id: linkId }, include: { installation: true, project: true } });
  if (!config || !l) return { posted: false };
  const installation = await findInstallation(db, l.installation.teamId);
  if (!installation || installation.id !== l.installationId) return { posted: false };
  const since = new Date(now.getTime() - DAY_MS);
  const tasks = await db.task.findMany({
    where: { workspaceId: l.workspaceId, projectId: l.projectId, createdAt: { gte: since, lt: now } },
    orderBy: { number: "asc" },
  });
  if (tasks.length === 0) return { posted: false };
  const count = (s: string) => tasks.filter((t) => t.status === s).length;
  const cost = tasks.reduce((n, t) => n + t.costMicros, 0);
  const open = tasks.length - count("succeeded") - count("failed") - count("cancelled");
  const failed = tasks.filter((t) => t.status === "failed").slice(0, 10);
  const lines = [
    `*Daily digest for ${escape(l.project.name)}*: ${tasks.length} task${tasks.length === 1 ? "" : "s"} · ${count("succeeded")} succeeded · ${count("failed")} failed · ${open} in progress · ${formatCost(cost)}`,
    ...failed.map(
      (t) =>
        `• ${link(taskUrl(config.appUrl, installation.workspace.slug, t.id), `#${t.number}`)} ${escape(t.title)}: ${escape(t.error ?? "failed")}`,
    ),
  ];
  await botClient(config, installation.botToken).chat.postMessage({ channel: l.channelId, text: lines.join("\n"), unfurl_links: false });
  return { posted: true };
}
