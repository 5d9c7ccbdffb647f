import type { Db } from "@/server/db";
import type { Task } from "@/server/generated/prisma/client";
import { logger } from "@/server/logger";
import { onTaskEvent } from "@/server/runners/bus";
import { botClient } from "./client";
import { slackConfig } from "./config";
import { findInstallation } from "./installations";
import { failureMessage, planMessage, renderedKey, statusMessage, taskUrl } from "./messages";

/**
 * Each Slack task lives in a thread: the root message shows the status and is edited in place,
 * the plan (with Approve / Reject) and the result are replies. Every edit is claimed with a
 * conditional UPDATE, so several app instances seeing the same task event post it once.
 */

const PENDING = "pending";

async function threadContext(db: Db, taskId: string) {
  const config = slackConfig();
  if (!config) return null;
  const found = await db.slackThread.findUnique({ where: { taskId }, include: { installation: { select: { teamId: true } } } });
  if (!found) return null;
  const { installation, ...thread } = found;
  const connected = await findInstallation(db, installation.teamId);
  if (!connected || connected.id !== thread.installationId) return null;
  const task = await db.task.findFirst({ where: { id: taskId, workspaceId: thread.workspaceId } });
  if (!task) return null;
  const client = botClient(config, connected.botToken);
  const url = taskUrl(config.appUrl, connected.workspace.slug, task.id);
  return { thread, task, client, url, installation: connected };
}

/** Posts the root message of a new task's thread, then brings it up to date. */
export async function startThread(db: Db, opts: { taskId: string; workspaceId: string; installationId: string; channelId: string }) {
  const thread = await db.slackThread.upsert({
    where: { taskId: opts.taskId },
    create: { ...opts },
    update: {},
  });
  const claimed = await db.slackThread.updateMany({ where: { id: thread.id, threadTs: null }, data: { threadTs: PENDING } });
  if (claimed.count === 0) return;
  const ctx = await threadContext(db, opts.taskId);
  if (!ctx) return;
  try {
    const res = await ctx.client.chat.postMessage({ channel: opts.channelId, ...statusMessage(ctx.task, ctx.url), unfurl_links: false });
    await db.slackThread.update({ where: { id: thread.id }, data: { threadTs: res.ts!, renderedStatus: renderedKey(ctx.task) } });
  } catch (err) {
    await db.slackThread.update({ where: { id: thread.id }, data: { threadTs: null } });
    throw err;
  }
  await syncThread(db, opts.taskId);
}

/** Brings the thread to the task's state: the status edited, the plan posted or closed, a failure said. */
export async function syncThread(db: Db, taskId: string): Promise<void> {
  const ctx = await threadContext(db, taskId);
  if (!ctx || !ctx.thread.threadTs || ctx.thread.threadTs === PENDING) return;
  const { thread, task, client, url } = ctx;
  const channel = thread.channelId;
  const threadTs = thread.threadTs!;
  const key = renderedKey(task);
  if (key !== thread.renderedStatus) {
    const won = await db.slackThread.updateMany({
      where: { id: thread.id, renderedStatus: thread.renderedStatus },
      data: { renderedStatus: key },
    });
    if (won.count === 1) await client.chat.update({ channel, ts: threadTs, ...statusMessage(task, url) });
  }
  await syncPlan(db, ctx.thread.id, task, { channel, threadTs, client });
  if ((task.status === "failed" || task.status === "cancelled") && !thread.resultTs) {
    const won = await db.slackThread.updateMany({ where: { id: thread.id, resultTs: null }, data: { resultTs: PENDING } });
    if (won.count === 1) {
      const res = await client.chat.postMessage({ channel, thread_ts: threadTs, ...failureMessage(task, url) });
      await db.slackThread.update({ where: { id: thread.id }, data: { resultTs: res.ts! } });
    }
  }
}

type Where = { channel: string; threadTs: string; client: ReturnType<typeof botClient> };

async function syncPlan(db: Db, threadId: string, task: Task, { channel, threadTs, client }: Where) {
  const thread = await db.slackThread.findUniqueOrThrow({ where: { id: threadId } });
  if (task.status === "awaiting_approval" && !task.decidedAt && !thread.planTs) {
    const won = await db.slackThread.updateMany({ where: { id: threadId, planTs: null }, data: { planTs: PENDING } });
    if (won.count === 0) return;
    try {
      const res = await client.chat.postMessage({ channel, thread_ts: threadTs, ...planMessage(task, false) });
      await db.slackThread.update({ where: { id: threadId }, data: { planTs: res.ts! } });
    } catch (err) {
      await db.slackThread.update({ where: { id: threadId }, data: { planTs: null } });
      throw err;
    }
    return;
  }
  // Once decided, the buttons go: the plan message says who approved or rejected it.
  if (task.decidedAt && thread.planTs && thread.planTs !== PENDING && !thread.planTs.endsWith(":closed")) {
    const won = await db.slackThread.updateMany({
      where: { id: threadId, planTs: thread.planTs },
      data: { planTs: `${thread.planTs}:closed` },
    });
    if (won.count === 1) await client.chat.update({ channel, ts: thread.planTs, ...planMessage(task, true) });
  }
}

/**
 * Follows task events (this instance's and, through NOTIFY, other instances') and syncs the
 * threads of Slack tasks. Events of one task within `batchMs` become one sync, so a burst of
 * log lines costs one chat.update at most.
 */
export function startThreadSync(db: Db, opts: { batchMs?: number } = {}): () => Promise<void> {
  const batchMs = opts.batchMs ?? 750;
  const timers = new Map<string, NodeJS.Timeout>();
  const running = new Map<string, Promise<void>>();
  const flush = (taskId: string) => {
    timers.delete(taskId);
    const previous = running.get(taskId) ?? Promise.resolve();
    const next = previous
      .then(() => syncThread(db, taskId))
      .catch((err: unknown) => logger.warn({ err, taskId }, "could not update the Slack thread"))
      .finally(() => {
        if (running.get(taskId) === next) running.delete(taskId);
      });
    running.set(taskId, next);
  };
  const off = onTaskEvent((e) => {
    if (!timers.has(e.taskId))
      timers.set(
        e.taskId,
        setTimeout(() => flush(e.taskId), batchMs),
      );
  });
  return async () => {
    off();
    for (const t of timers.values()) clearTimeout(t);
    timers.clear();
    await Promise.all(running.values());
  };
}
