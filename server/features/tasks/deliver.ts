import type { Db } from "@/server/db";
import type { Task } from "@/server/generated/prisma/client";
import { appendLog, finishStep, setTaskStatus, startStep } from "./progress";
import type { TaskResult } from "./schemas";

/**
 * Delivery: each channel answers where the request came from (a Slack thread, a PR comment, a
 * Telegram chat). Channels register here; the web channel keeps the result on the task page and
 * is the fallback for sources without a channel yet.
 */
export type DeliveryChannel = {
  source: string;
  /**
   * Must be safe to repeat: the step can run twice. `signal` aborts when the step is cut off at its
   * timeout; a channel passes it to its requests so the cut-off delivery stops before the retry.
   */
  deliver(db: Db, task: Task, result: TaskResult, signal?: AbortSignal): Promise<{ summary: string }>;
};

const webChannel: DeliveryChannel = {
  source: "web",
  async deliver(db, task, result) {
    const content = Buffer.from(`# Task #${task.number}: ${task.title}\n\n${result.text}\n`);
    await db.artifact.upsert({
      where: { taskId_name: { taskId: task.id, name: "result.md" } },
      create: {
        workspaceId: task.workspaceId,
        projectId: task.projectId,
        taskId: task.id,
        name: "result.md",
        contentType: "text/markdown; charset=utf-8",
        bytes: content.length,
        content,
      },
      update: { bytes: content.length, content },
    });
    return { summary: "Result saved on the task page" };
  },
};

const channels = new Map<string, DeliveryChannel>([
  ["web", webChannel],
  ["api", { ...webChannel, source: "api" }],
]);

export function registerDeliveryChannel(channel: DeliveryChannel): void {
  channels.set(channel.source, channel);
}

export async function deliverTask(db: Db, taskId: string, result: TaskResult, signal?: AbortSignal): Promise<void> {
  const task = await db.task.findUniqueOrThrow({ where: { id: taskId } });
  await setTaskStatus(db, task, "delivering");
  await startStep(db, task, "deliver", task.source);
  const channel = channels.get(task.source);
  if (task.source !== "web") await webChannel.deliver(db, task, result);
  // Cut off at the step's timeout: stop here rather than deliver beside the retry.
  signal?.throwIfAborted();
  if (!channel) {
    await appendLog(db, task, `No ${task.source} delivery yet; the result is on the task page`, { step: "deliver", level: "warn" });
    await finishStep(db, task, "deliver", "succeeded", { detail: "web" });
    return;
  }
  const { summary } = await channel.deliver(db, task, result, signal);
  signal?.throwIfAborted();
  await appendLog(db, task, summary, { step: "deliver" });
  await finishStep(db, task, "deliver", "succeeded", { detail: task.source });
}
