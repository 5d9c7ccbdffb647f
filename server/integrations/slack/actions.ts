import { can } from "@/server/auth/permissions";
import type { Db } from "@/server/db";
import { toAppError } from "@/server/errors";
import { assertWritable } from "@/server/features/billing/quotas";
import { approveTask, rejectTask } from "@/server/features/tasks/decisions";
import { createProject } from "@/server/features/projects/projects";
import { logger } from "@/server/logger";
import type { SlackClient } from "./client";
import type { SlackConfig } from "./config";
import type { ConnectedInstallation } from "./installations";
import { createLinkToken } from "./link-token";
import { escape, link } from "./messages";
import { channelName, linkChannel, resolveMember } from "./resolve";

/**
 * Buttons and menus in Jace's messages. Acknowledged first by the caller; outcomes that concern
 * only the clicker (refusals, errors) go back to them alone as ephemeral messages.
 */
export type ActionInput = {
  actionId: string;
  value: string;
  slackUserId: string;
  slackUserName?: string;
  channelId: string;
  channelName?: string;
};

type Ctx = { db: Db; config: SlackConfig; installation: ConnectedInstallation; client: SlackClient };

export async function handleAction(ctx: Ctx, action: ActionInput): Promise<void> {
  const say = (text: string) =>
    ctx.client.chat.postEphemeral({
      channel: action.channelId,
      user: action.slackUserId,
      text,
      blocks: [{ type: "section", text: { type: "mrkdwn", text } }],
    });
  const { db, installation } = ctx;
  const member = await resolveMember(db, installation, action.slackUserId, ctx.client);
  if (!member) {
    const url = `${ctx.config.appUrl}/w/${installation.workspace.slug}/integrations/slack/link?token=${createLinkToken(installation.id, action.slackUserId, action.slackUserName)}`;
    await say(
      `Only members of the Jace workspace *${escape(installation.workspace.name)}* can do that. Already a member? ${link(url, "Link your Slack account")}.`,
    );
    return;
  }
  const actor = { type: "user" as const, id: member.userId, label: member.email };
  try {
    // Every Jace button changes something: none works in a read-only workspace (failed payment).
    await assertWritable(db, installation.workspace);
    switch (action.actionId) {
      case "jace_approve":
      case "jace_reject": {
        if (!can(member.role, "tasks.approve")) {
          await say(
            `Only admins and owners of *${escape(installation.workspace.name)}* can approve or reject plans; your role is ${member.role}. Ask one of them to decide.`,
          );
          return;
        }
        // The button's task id is only looked up inside this installation's workspace. The thread
        // (buttons replaced by the verdict) follows from the task's events.
        if (action.actionId === "jace_approve") await approveTask(db, installation.workspaceId, actor, action.value);
        else await rejectTask(db, installation.workspaceId, actor, action.value, "");
        return;
      }
      case "jace_link_project":
      case "jace_create_project": {
        if (!can(member.role, "projects.manage")) {
          await say(`Only admins and owners can link channels to projects; your role is ${member.role}.`);
          return;
        }
        const name = await channelName(ctx.client, action.channelId, action.channelName ?? action.value);
        const project =
          action.actionId === "jace_create_project"
            ? await createProject(db, installation.workspaceId, actor, null, {
                name: action.value || name,
                description: `Slack channel #${name}`,
                settings: {},
              })
            : await db.project.findFirst({ where: { id: action.value, workspaceId: installation.workspaceId, archivedAt: null } });
        if (!project) {
          await say("That project no longer exists in this workspace. Pick another one.");
          return;
        }
        await linkChannel(db, installation, action.channelId, name, project.id);
        await say(`This channel now answers for the project *${escape(project.name)}*. Run your command again.`);
        return;
      }
      default:
        logger.warn({ actionId: action.actionId }, "unknown slack action");
    }
  } catch (err) {
    const appError = toAppError(err);
    if (appError.code === "INTERNAL") logger.error({ err, actionId: action.actionId }, "slack action failed");
    await say(appError.message);
  }
}
