import type { Task } from "@/server/generated/prisma/client";
import { toAppError } from "@/server/errors";
import type { TaskInput } from "@/server/features/tasks/schemas";
import { createSlackTask } from "./admissions";
import type { CommandCtx } from "./command";
import { intakeRefusal } from "./intake-checks";
import { ephemeral, linkChannelMessage, type SlackMessage } from "./messages";
import { cachedChannelProject, type SlackMember } from "./resolve";
import { claimThread } from "./threads";

/** Hands a new task's thread root to the channel's queue (rendered from `task` as of `asOf`). */
export type StartThread = (opts: { threadId: string; channelId: string; task: Task; asOf: number }) => void;

/**
 * `/jace ask|test` from the inbox: the channel's project, what would stop the task (no runner,
 * spent budget), then the task itself. Refusals (these, and quota, rate limit or read-only from
 * intake) are the reply; the acknowledgement already said "working on it", so success says
 * nothing more and the thread is the answer. A repeated run (a retry) finds the first task.
 */
export async function submitTask(ctx: CommandCtx, member: SlackMember, task: TaskInput): Promise<SlackMessage | null> {
  const { db, installation, command } = ctx;
  const project = await cachedChannelProject(db, installation, command.channel_id);
  if (!project) {
    const projects = await db.project.findMany({
      where: { workspaceId: installation.workspaceId, archivedAt: null },
      select: { id: true, name: true },
      orderBy: { name: "asc" },
    });
    return linkChannelMessage(command.channel_name || "this-channel", projects);
  }
  const refusal = await intakeRefusal(db, installation, project, task);
  if (refusal) return ephemeral(refusal);
  let created: { task: Task; created: boolean };
  try {
    created = await createSlackTask(
      db,
      installation.workspaceId,
      { type: "user", id: member.userId, label: member.email },
      // Running someone's repository is worth a look first: `test` from Slack waits for approval.
      { projectId: project.id, task, requireApproval: task.kind === "test" ? true : undefined },
      {
        source: "slack",
        deliveryId: command.trigger_id,
        replyTo: { teamId: installation.teamId, channelId: command.channel_id, userId: command.user_id },
      },
    );
  } catch (err) {
    const appError = toAppError(err);
    if (appError.code === "INTERNAL") throw err;
    return ephemeral(appError.message);
  }
  const asOf = Date.now();
  // Also after a retry (created: false): the first run may have stopped before this point.
  const threadId = await claimThread(db, {
    taskId: created.task.id,
    workspaceId: installation.workspaceId,
    installationId: installation.id,
    channelId: command.channel_id,
  });
  if (threadId) ctx.startThread({ threadId, channelId: command.channel_id, task: created.task, asOf });
  return null;
}
