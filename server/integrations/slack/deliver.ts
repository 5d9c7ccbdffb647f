import type { DeliveryChannel } from "@/server/features/tasks/deliver";
import { logger } from "@/server/logger";
import { botClient } from "./client";
import { slackConfig } from "./config";
import { findInstallation } from "./installations";
import { resultMessage, taskUrl } from "./messages";
import { syncThread } from "./threads";

const PENDING = "pending";

/**
 * Delivery of a Slack task: the result as a reply in its thread (answer, test summary, cost, link).
 * Safe to repeat: a second run edits the reply it posted instead of posting another. Slack's Web API
 * client takes no AbortSignal, so a delivery cut off at its step timeout stops between calls.
 */
export const slackDelivery: DeliveryChannel = {
  source: "slack",
  async deliver(db, task, result, signal) {
    const config = slackConfig();
    const thread = await db.slackThread.findUnique({ where: { taskId: task.id } });
    const teamId = thread
      ? (await db.slackInstallation.findUnique({ where: { id: thread.installationId }, select: { teamId: true } }))?.teamId
      : undefined;
    const installation = config && teamId ? await findInstallation(db, teamId) : null;
    if (!config || !thread?.threadTs || thread.threadTs === PENDING || !installation) {
      return { summary: "Slack is not connected (or the thread could not be started): the result is on the task page" };
    }
    // Usage was recorded by the step before: read the task again for its final cost.
    const fresh = await db.task.findFirstOrThrow({ where: { id: task.id, workspaceId: task.workspaceId } });
    const client = botClient(config, installation.botToken);
    const message = resultMessage(fresh, result, taskUrl(config.appUrl, installation.workspace.slug, task.id));
    signal?.throwIfAborted();
    const claimed = await db.slackThread.updateMany({ where: { id: thread.id, resultTs: null }, data: { resultTs: PENDING } });
    const current = claimed.count === 1 ? PENDING : (await db.slackThread.findUniqueOrThrow({ where: { id: thread.id } })).resultTs;
    signal?.throwIfAborted();
    if (current && current !== PENDING) {
      await client.chat.update({ channel: thread.channelId, ts: current, ...message });
    } else {
      const res = await client.chat.postMessage({ channel: thread.channelId, thread_ts: thread.threadTs, ...message, unfurl_links: false });
      await db.slackThread.update({ where: { id: thread.id }, data: { resultTs: res.ts! } });
    }
    await syncThread(db, task.id).catch((err: unknown) => logger.warn({ err, taskId: task.id }, "could not update the Slack thread"));
    return { summary: "Result posted in the Slack thread" };
  },
};
