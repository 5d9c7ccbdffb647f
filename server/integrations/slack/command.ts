import { can, type Permission } from "@/server/auth/permissions";
import type { Db } from "@/server/db";
import { AppError, toAppError } from "@/server/errors";
import { approveTask, cancelTask, rejectTask } from "@/server/features/tasks/decisions";
import { createTask, defaultTitle } from "@/server/features/tasks/intake";
import { findTask } from "@/server/features/tasks/tasks";
import type { TaskInput } from "@/server/features/tasks/schemas";
import { usageSummary } from "@/server/features/usage/usage";
import { workspaceOpenAIKey } from "@/server/llm/credentials";
import { getEnv } from "@/server/env";
import { projectSettings } from "@/server/features/projects/schemas";
import { logger } from "@/server/logger";
import type { SlackClient } from "./client";
import { parseCommand } from "./commands";
import type { SlackConfig } from "./config";
import type { ConnectedInstallation } from "./installations";
import { createLinkToken } from "./link-token";
import { ephemeral, escape, formatCost, helpMessage, link, linkChannelMessage, taskUrl, type SlackMessage } from "./messages";
import { cachedChannelProject, cachedMember, channelName, channelProject, linkChannel, resolveMember, type SlackMember } from "./resolve";
import { startThread } from "./threads";

/**
 * `/jace ...`: everything needed to answer within Slack's 3 seconds (parse, resolve the member
 * and project, write the task). Slower work (posting the thread) runs in `after`, once acked.
 */
export type SlashCommand = { text: string; user_id: string; channel_id: string; channel_name: string; trigger_id: string };
export type CommandReply = { response: SlackMessage & { response_type: "ephemeral" | "in_channel" }; after?: () => Promise<void> };

type Ctx = { db: Db; config: SlackConfig; installation: ConnectedInstallation; client: SlackClient; command: SlashCommand };

const reply = (text: string): CommandReply => ({ response: { response_type: "ephemeral", ...ephemeral(text) } });

export async function handleCommand(ctx: Ctx): Promise<CommandReply> {
  const parsed = parseCommand(ctx.command.text);
  if (parsed.kind === "help") return { response: { response_type: "ephemeral", ...helpMessage(parsed.unknown) } };
  if (parsed.kind === "invalid") return reply(parsed.message);
  const member =
    parsed.kind === "task"
      ? await cachedMember(ctx.db, ctx.installation, ctx.command.user_id, ctx.client)
      : await resolveMember(ctx.db, ctx.installation, ctx.command.user_id, ctx.client);
  if (!member) return reply(unknownMember(ctx));
  try {
    switch (parsed.kind) {
      case "task":
        return await submit(ctx, member, parsed.task);
      case "status":
        return reply(await status(ctx, parsed.ref));
      case "decide":
        return reply(await decide(ctx, member, parsed.decision, parsed.ref, parsed.reason));
      case "runners":
        return reply(await runners(ctx));
      case "usage":
        return reply(await usage(ctx));
      case "link":
        return reply(await linkByName(ctx, member, parsed.projectName));
    }
  } catch (err) {
    const appError = toAppError(err);
    if (appError.code === "INTERNAL") logger.error({ err, teamId: ctx.installation.teamId }, "slack command failed");
    return reply(appError.message);
  }
}

function unknownMember({ config, installation, command }: Ctx): string {
  const base = `${config.appUrl}/w/${installation.workspace.slug}`;
  const linkUrl = `${base}/integrations/slack/link?token=${createLinkToken(installation.id, command.user_id)}`;
  return [
    `I don't know you in the Jace workspace *${escape(installation.workspace.name)}* yet.`,
    `• Already a member? ${link(linkUrl, "Link your Slack account")} (one click, while signed in).`,
    `• Not a member? Ask an admin to invite you at ${link(`${base}/settings/members`, "Members")}; then link your account.`,
  ].join("\n");
}

function requirePermission(ctx: Ctx, member: SlackMember, permission: Permission, what: string): void {
  if (!can(member.role, permission)) {
    throw new AppError(
      "FORBIDDEN",
      `Your role in ${ctx.installation.workspace.name} (${member.role}) cannot ${what}. Ask an admin or owner of the workspace.`,
    );
  }
}

const actor = (m: SlackMember) => ({ type: "user" as const, id: m.userId, label: m.email });

async function submit(ctx: Ctx, member: SlackMember, task: TaskInput): Promise<CommandReply> {
  const { db, installation, command } = ctx;
  requirePermission(ctx, member, "tasks.create", "hand Jace work");
  const project = await cachedChannelProject(db, installation, command.channel_id);
  if (!project) {
    const projects = await db.project.findMany({
      where: { workspaceId: installation.workspaceId, archivedAt: null },
      select: { id: true, name: true },
      orderBy: { name: "asc" },
    });
    return { response: { response_type: "ephemeral", ...linkChannelMessage(command.channel_name || "this-channel", projects) } };
  }
  const noRunner = await noRunnerReason(db, installation, project.settings, task);
  if (noRunner) return reply(noRunner);
  // Acknowledged now; the task is written right after. Refusals from intake (quota, budget, read
  // only) reach the person as an ephemeral message; a repeated delivery (same trigger id) finds
  // the first task and says nothing.
  const say = (text: string) =>
    ctx.client.chat.postEphemeral({ channel: command.channel_id, user: command.user_id, ...ephemeral(text) }).then(() => undefined);
  return {
    response: {
      response_type: "ephemeral",
      ...ephemeral(`Working on it: ${escape(defaultTitle(task))}. The task and its progress follow in a thread here.`),
    },
    after: async () => {
      let created;
      try {
        created = await createTask(
          db,
          installation.workspaceId,
          actor(member),
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
        if (appError.code === "INTERNAL") logger.error({ err, teamId: installation.teamId }, "slack intake failed");
        await say(
          appError.code === "INTERNAL"
            ? "Something went wrong on our side and no task was created. Try again in a minute."
            : appError.message,
        );
        return;
      }
      if (!created.created) return;
      await startThread(db, {
        taskId: created.task.id,
        workspaceId: installation.workspaceId,
        installationId: installation.id,
        channelId: command.channel_id,
      });
    },
  };
}

/** A task that can only run on a runner, with none online, is refused before anything is stored. */
async function noRunnerReason(db: Db, installation: ConnectedInstallation, settings: unknown, task: TaskInput): Promise<string | null> {
  const online = await db.runner.count({
    where: { workspaceId: installation.workspaceId, revokedAt: null, status: { in: ["online", "busy"] } },
  });
  if (online > 0) return null;
  if (task.kind === "ask") {
    const policy = projectSettings.safeParse(settings);
    const localOnly = policy.success && policy.data.routingPolicy === "local-only";
    const cloudKey = getEnv().OPENAI_API_KEY || (await workspaceOpenAIKey(db, installation.workspaceId));
    if (!localOnly && cloudKey) return null;
  }
  const runnersUrl = `${getEnv().appUrl}/w/${installation.workspace.slug}/runners`;
  return `No runner is online in ${escape(installation.workspace.name)}, so nothing could run this. ${link(runnersUrl, "Add a runner")} (or start yours), then try again.`;
}

async function status({ db, installation, command, config }: Ctx, ref?: string): Promise<string> {
  const url = (id: string) => taskUrl(config.appUrl, installation.workspace.slug, id);
  if (ref) {
    const task = await findTask(db, installation.workspaceId, ref);
    const why = task.error ?? task.statusReason;
    return `${link(url(task.id), `#${task.number}`)} ${escape(task.title)}: *${task.status.replace("_", " ")}*${why ? ` (${escape(why)})` : ""}`;
  }
  const project = await channelProject(db, installation, command.channel_id);
  const tasks = await db.task.findMany({
    where: { workspaceId: installation.workspaceId, ...(project ? { projectId: project.id } : {}) },
    orderBy: { createdAt: "desc" },
    take: 5,
  });
  if (tasks.length === 0) return "No tasks yet. Start one with `/jace ask <question>` or `/jace test <repo-url>`.";
  const lines = tasks.map((t) => `• ${link(url(t.id), `#${t.number}`)} ${escape(t.title)}: *${t.status.replace("_", " ")}*`);
  return [`*Recent tasks${project ? ` in ${escape(project.name)}` : ""}*`, ...lines].join("\n");
}

async function decide(ctx: Ctx, member: SlackMember, decision: "approve" | "reject" | "cancel", ref: string, reason: string) {
  const { db, installation } = ctx;
  const ws = installation.workspaceId;
  if (decision === "cancel") {
    requirePermission(ctx, member, "tasks.create", "cancel tasks");
    const task = await cancelTask(db, ws, actor(member), ref);
    return `Cancelled #${task.number}.`;
  }
  requirePermission(ctx, member, "tasks.approve", `${decision} plans`);
  const task =
    decision === "approve" ? await approveTask(db, ws, actor(member), ref) : await rejectTask(db, ws, actor(member), ref, reason);
  return decision === "approve" ? `Approved #${task.number}: it runs now.` : `Rejected #${task.number}.`;
}

async function runners({ db, installation }: Ctx): Promise<string> {
  const list = await db.runner.findMany({ where: { workspaceId: installation.workspaceId, revokedAt: null }, orderBy: { name: "asc" } });
  const addUrl = `${getEnv().appUrl}/w/${installation.workspace.slug}/runners`;
  if (list.length === 0) return `No runners yet. ${link(addUrl, "Add a runner")}: any machine with a GPU (or just a CPU) will do.`;
  const lines = list.map((r) => `• *${escape(r.name)}*: ${r.status}${r.labels.length ? ` (${r.labels.map(escape).join(", ")})` : ""}`);
  const online = list.filter((r) => r.status === "online" || r.status === "busy").length;
  const footer = online === 0 ? `\nNone is online. Start one, or ${link(addUrl, "add a runner")}.` : "";
  return `*Runners: ${online} of ${list.length} online*\n${lines.join("\n")}${footer}`;
}

async function usage({ db, installation }: Ctx): Promise<string> {
  const s = await usageSummary(db, installation.workspaceId, {});
  const share = s.localShare === null ? "no calls yet" : `${Math.round(s.localShare * 100)}% ran on your runners`;
  return [
    `*Usage in ${s.month}*`,
    `• Cost so far: ${formatCost(s.cost.totalMicros)}${s.forecast ? ` (forecast ${formatCost(s.forecast.totalMicros)})` : ""}`,
    `• Model calls: ${s.calls.total} (${share})`,
    `• Saved against the cloud baseline: ${formatCost(s.savings.savedMicros)}`,
  ].join("\n");
}

async function linkByName(ctx: Ctx, member: SlackMember, name: string): Promise<string> {
  const { db, installation, command, client } = ctx;
  requirePermission(ctx, member, "projects.manage", "link channels to projects");
  const project = await db.project.findFirst({
    where: { workspaceId: installation.workspaceId, archivedAt: null, name: { equals: name, mode: "insensitive" } },
  });
  if (!project)
    return `No active project named *${escape(name)}* in ${escape(installation.workspace.name)}. Check the name on the Projects page.`;
  const channel = await channelName(client, command.channel_id, command.channel_name);
  await linkChannel(db, installation, command.channel_id, channel, project.id);
  return `This channel now answers for the project *${escape(project.name)}*.`;
}
