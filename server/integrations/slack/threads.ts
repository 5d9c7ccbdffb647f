import { randomUUID } from "node:crypto";
import type { Db } from "@/server/db";
import type { SlackThread, Task } from "@/server/generated/prisma/client";
import { logger } from "@/server/logger";
import { onTaskEvent } from "@/server/runners/bus";
import { batcher, settledAll, type Batcher, type Settled } from "./batcher";
import { botClient, type SlackClient } from "./client";
import { slackConfig } from "./config";
import { findInstallation } from "./installations";
import { failureMessage, planMessage, renderedKey, statusMessage, taskUrl } from "./messages";

/**
 * Each Slack task lives in a thread: the root message shows the status and is edited in place,
 * the plan (with Approve / Reject) and the result are replies. Every post and edit is claimed with
 * a conditional write first, so several app instances seeing the same task event post it once.
 */

const PENDING = "pending";
/** A root claimed this long ago and never posted (the instance stopped): another sync may post it. */
const ABANDONED_MS = 60_000;

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
  return { thread, task, client, url };
}

type Claim = { taskId: string; workspaceId: string; installationId: string; channelId: string };

const claims = new WeakMap<Db, Batcher<Claim, string | null>>();
const roots = new WeakMap<Db, Batcher<{ threadId: string; threadTs: string; renderedStatus: string }, void>>();

/**
 * Writes the thread row of a new task, claimed for posting its root. Null when the task already
 * has one (a repeated delivery). The claims of a burst go in one INSERT.
 */
export function claimThread(db: Db, opts: Claim): Promise<string | null> {
  let claim = claims.get(db);
  if (!claim) {
    claim = batcher({ run: (items) => claimAll(db, items), maxBatch: 200 });
    claims.set(db, claim);
  }
  return claim(opts);
}

async function claimAll(db: Db, items: Claim[]): Promise<Settled<string | null>[]> {
  const ids = items.map(() => randomUUID());
  const rows = await db.$queryRaw<{ id: string }[]>`
    INSERT INTO "SlackThread" (id, "workspaceId", "taskId", "installationId", "channelId", "threadTs", "updatedAt")
    SELECT t.id, t.ws, t.task, t.inst, t.chan, ${PENDING}, now()
      FROM unnest(${ids}::text[], ${items.map((c) => c.workspaceId)}::text[], ${items.map((c) => c.taskId)}::text[],
                  ${items.map((c) => c.installationId)}::text[], ${items.map((c) => c.channelId)}::text[]) AS t(id, ws, task, inst, chan)
    ON CONFLICT ("taskId") DO NOTHING RETURNING id`;
  const won = new Set(rows.map((r) => r.id));
  return settledAll(ids.map((id) => (won.has(id) ? id : null)));
}

/** Records posted roots; those of a burst in one UPDATE. */
function rootPosted(db: Db, threadId: string, threadTs: string, renderedStatus: string): Promise<void> {
  let record = roots.get(db);
  if (!record) {
    record = batcher({
      run: async (items) => {
        await db.$executeRaw`
          UPDATE "SlackThread" s SET "threadTs" = t.ts, "renderedStatus" = t.rendered, "updatedAt" = now()
            FROM unnest(${items.map((i) => i.threadId)}::text[], ${items.map((i) => i.threadTs)}::text[],
                        ${items.map((i) => i.renderedStatus)}::text[]) AS t(id, ts, rendered)
           WHERE s.id = t.id`;
        return settledAll(items.map(() => undefined));
      },
      maxBatch: 200,
    });
    roots.set(db, record);
  }
  return record({ threadId, threadTs, renderedStatus });
}

/** Posts the root of a claimed thread from the task as the caller has it (not read again). */
export async function postRoot(db: Db, threadId: string, channel: string, task: Task, client: SlackClient, url: string): Promise<string> {
  try {
    const res = await client.chat.postMessage({ channel, ...statusMessage(task, url), unfurl_links: false });
    await rootPosted(db, threadId, res.ts!, renderedKey(task));
    return res.ts!;
  } catch (err) {
    // Unclaimed again: the next sync of the task tries once more.
    await db.slackThread.update({ where: { id: threadId }, data: { threadTs: null } });
    throw err;
  }
}

/** Brings the thread to the task's state: the root posted or edited, the plan posted or closed, a failure said. */
export async function syncThread(db: Db, taskId: string): Promise<void> {
  const ctx = await threadContext(db, taskId);
  if (!ctx) return;
  const { thread, task, client, url } = ctx;
  const channel = thread.channelId;
  if (!thread.threadTs || (thread.threadTs === PENDING && Date.now() - thread.updatedAt.getTime() > ABANDONED_MS)) {
    // The root was never posted (its post failed, or the instance that claimed it stopped).
    const won = await db.slackThread.updateMany({
      where: { id: thread.id, threadTs: thread.threadTs, updatedAt: thread.updatedAt },
      data: { threadTs: PENDING },
    });
    if (won.count === 0) return;
    thread.threadTs = await postRoot(db, thread.id, channel, task, client, url);
    thread.renderedStatus = renderedKey(task);
  }
  if (thread.threadTs === PENDING) return;
  const threadTs = thread.threadTs;
  const key = renderedKey(task);
  if (key !== thread.renderedStatus) {
    const won = await db.slackThread.updateMany({
      where: { id: thread.id, renderedStatus: thread.renderedStatus },
      data: { renderedStatus: key },
    });
    if (won.count === 1) await client.chat.update({ channel, ts: threadTs, ...statusMessage(task, url) });
  }
  await syncPlan(db, thread, task, { channel, threadTs, client });
  if ((task.status === "failed" || task.status === "cancelled") && !thread.resultTs) {
    const won = await db.slackThread.updateMany({ where: { id: thread.id, resultTs: null }, data: { resultTs: PENDING } });
    if (won.count === 1) {
      const res = await client.chat.postMessage({ channel, thread_ts: threadTs, ...failureMessage(task, url) });
      await db.slackThread.update({ where: { id: thread.id }, data: { resultTs: res.ts! } });
    }
  }
}

type Where = { channel: string; threadTs: string; client: SlackClient };

async function syncPlan(db: Db, thread: SlackThread, task: Task, { channel, threadTs, client }: Where) {
  if (task.status === "awaiting_approval" && !task.decidedAt && !thread.planTs) {
    const won = await db.slackThread.updateMany({ where: { id: thread.id, planTs: null }, data: { planTs: PENDING } });
    if (won.count === 0) return;
    try {
      const res = await client.chat.postMessage({ channel, thread_ts: threadTs, ...planMessage(task, false) });
      await db.slackThread.update({ where: { id: thread.id }, data: { planTs: res.ts! } });
    } catch (err) {
      await db.slackThread.update({ where: { id: thread.id }, data: { planTs: null } });
      throw err;
    }
    return;
  }
  // Once decided (or no longer waiting), the buttons go: the plan message says what happened.
  const open = thread.planTs && thread.planTs !== PENDING && !thread.planTs.endsWith(":closed");
  if (open && (task.decidedAt || task.status !== "awaiting_approval")) {
    const won = await db.slackThread.updateMany({
      where: { id: thread.id, planTs: thread.planTs },
      data: { planTs: `${thread.planTs}:closed` },
    });
    if (won.count === 1) await client.chat.update({ channel, ts: thread.planTs!, ...planMessage(task, true) });
  }
}

export type ThreadSync = {
  /** This instance is about to post the root of `taskId`: syncs wait for `rendered` instead of reading a half-made thread. */
  starting(taskId: string): void;
  /**
   * The thread of `taskId` was rendered from its state as of `asOf` (ms): a sync waiting for
   * events up to then is dropped; a later event still gets one.
   */
  rendered(taskId: string, asOf: number): void;
  stop(): Promise<void>;
};

/**
 * Follows task events (this instance's and, through NOTIFY, other instances') and syncs the
 * threads of Slack tasks. Events of one task within `batchMs` become one sync, so a burst of
 * log lines costs one chat.update at most.
 */
export function startThreadSync(db: Db, opts: { batchMs?: number } = {}): ThreadSync {
  const batchMs = opts.batchMs ?? 750;
  const timers = new Map<string, { timer: NodeJS.Timeout; lastEventAt: number }>();
  const running = new Map<string, Promise<void>>();
  const starting = new Set<string>();
  const flush = (taskId: string) => {
    timers.delete(taskId);
    if (starting.has(taskId)) return;
    const previous = running.get(taskId) ?? Promise.resolve();
    const next = previous
      .then(() => syncThread(db, taskId))
      .catch((err: unknown) => logger.warn({ err, taskId }, "could not update the Slack thread"))
      .finally(() => {
        if (running.get(taskId) === next) running.delete(taskId);
      });
    running.set(taskId, next);
  };
  // When each task was last heard of (a minute's worth), for `rendered` below.
  const lastEvent = new Map<string, number>();
  const schedule = (taskId: string) => {
    const pending = timers.get(taskId);
    if (pending) pending.lastEventAt = Date.now();
    else timers.set(taskId, { timer: setTimeout(() => flush(taskId), batchMs), lastEventAt: Date.now() });
  };
  const off = onTaskEvent((e) => {
    if (lastEvent.size > 10_000) for (const [id, at] of lastEvent) if (Date.now() - at > 60_000) lastEvent.delete(id);
    lastEvent.set(e.taskId, Date.now());
    schedule(e.taskId);
  });
  return {
    starting: (taskId) => void starting.add(taskId),
    rendered(taskId, asOf) {
      starting.delete(taskId);
      const pending = timers.get(taskId);
      if (pending && pending.lastEventAt <= asOf) {
        clearTimeout(pending.timer);
        timers.delete(taskId);
      } else if (!pending && (lastEvent.get(taskId) ?? 0) > asOf) {
        // The task moved while its root was being posted, and that sync found no root yet.
        schedule(taskId);
      }
    },
    async stop() {
      off();
      for (const t of timers.values()) clearTimeout(t.timer);
      timers.clear();
      await Promise.all(running.values());
    },
  };
}
