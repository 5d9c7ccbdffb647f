import { can, type Permission } from "@/server/auth/permissions";
import type { Db } from "@/server/db";
import { AppError, toAppError } from "@/server/errors";
import { assertWritable } from "@/server/features/billing/quotas";
import { approveTask, cancelTask, rejectTask } from "@/server/features/tasks/decisions";
import { findTask } from "@/server/features/tasks/tasks";
import { usageSummary } from "@/server/features/usage/usage";
import { getEnv } from "@/server/env";
import type { SlackClient } from "./client";
import { parseCommand } from "./commands";
import type { SlackConfig } from "./config";
import type { SlashCommand } from "./inbox";
import type { ConnectedInstallation } from "./installations";
import { redeemLinkCode } from "./link-code";
import { createLinkToken } from "./link-token";
import { ephemeral, escape, formatCost, helpMessage, link, taskUrl, type SlackMessage } from "./messages";
import { cachedMember, channelName, channelProject, forgetMember, linkChannel, resolveMember, type SlackMember } from "./resolve";
import { submitTask, type StartThread } from "./submit";

/**
 * `/jace ...` after its acknowledgement, taken from the inbox: resolve the member and the
 * channel's project (Slack lookups are fine here), do the work, and return the private reply
 * (null: nothing more to say, e.g. the task's thread is the answer). Unexpected failures throw,
 * so the inbox tries again; expected ones (an AppError) become the reply.
 */
export type CommandCtx = {
  db: Db;
  config: SlackConfig;
  installation: ConnectedInstallation;
  client: SlackClient;
  command: SlashCommand;
  startThread: StartThread;
};

export async function runCommand(ctx: CommandCtx): Promise<SlackMessage | null> {
  const parsed = parseCommand(ctx.command.text);
  if (parsed.kind === "help") return helpMessage(parsed.unknown);
  if (parsed.kind === "invalid") return ephemeral(parsed.message);
  try {
    if (parsed.kind === "linkCode") return ephemeral(await redeem(ctx, parsed.code));
    const member =
      parsed.kind === "task"
        ? await cachedMember(ctx.db, ctx.installation, ctx.command.user_id, ctx.client)
        : await resolveMember(ctx.db, ctx.installation, ctx.command.user_id, ctx.client);
    if (!member) return ephemeral(unknownMember(ctx));
    switch (parsed.kind) {
      case "task":
        requirePermission(ctx, member, "tasks.create", "hand Jace work");
        return await submitTask(ctx, member, parsed.task);
      case "status":
        return ephemeral(await status(ctx, parsed.ref));
      case "decide":
        return ephemeral(await decide(ctx, member, parsed.decision, parsed.ref, parsed.reason));
      case "runners":
        return ephemeral(await runners(ctx));
      case "usage":
        return ephemeral(await usage(ctx));
      case "link":
        return ephemeral(await linkByName(ctx, member, parsed.projectName));
    }
  } catch (err) {
    const appError = toAppError(err);
    if (appError.code === "INTERNAL") throw err;
    return ephemeral(appError.message);
  }
}

export function unknownMember({ config, installation, command }: Pick<CommandCtx, "config" | "installation" | "command">): string {
  const base = `${config.appUrl}/w/${installation.workspace.slug}`;
  const linkUrl = `${base}/integrations/slack/link?token=${createLinkToken(installation.id, command.user_id, command.user_name)}`;
  return [
    `I don't know you in the Jace workspace *${escape(installation.workspace.name)}* yet.`,
    `• Already a member? ${link(linkUrl, "Link your Slack account")}: sign in, get a one-time code there, and type it here (\`/jace link <code>\`). The link works for 30 minutes and only for you.`,
    `• Not a member? Ask an admin to invite you at ${link(`${base}/settings/members`, "Members")}; then link your account.`,
  ].join("\n");
}

function requirePermission(ctx: CommandCtx, member: SlackMember, permission: Permission, what: string): void {
  if (!can(member.role, permission)) {
    throw new AppError(
      "FORBIDDEN",
      `Your role in ${ctx.installation.workspace.name} (${member.role}) cannot ${what}. Ask an admin or owner of the workspace.`,
    );
  }
}

const actor = (m: SlackMember) => ({ type: "user" as const, id: m.userId, label: m.email });

async function redeem({ db, installation, command }: CommandCtx, code: string): Promise<string> {
  const linked = await redeemLinkCode(db, installation, command.user_id, code);
  forgetMember(installation, command.user_id);
  return `Linked. In ${escape(installation.workspace.name)} your Slack account now acts as ${escape(linked.email)}. Run your command again.`;
}

async function status({ db, installation, command, config }: CommandCtx, ref?: string): Promise<string> {
  const url = (id: string) => taskUrl(config.appUrl, installation.workspace.slug, id);
  if (ref) {
    const task = await findTask(db, installation.workspaceId, ref);
    const why = task.error ?? task.statusReason;
    return `${link(url(task.id), `#${task.number}`)} ${escape(task.title)}: *${task.status.replace("_", " ")}*${why ? ` (${escape(why)})` : ""}`;
  }
  const project = await channelProject(db, installation, command.channel_id);
  if (!project) {
    return "This channel is not linked to a Jace project, so it has no recent tasks. Ask about one task with `/jace status <task>`, or link a project with `/jace project link <name>`.";
  }
  const tasks = await db.task.findMany({
    where: { workspaceId: installation.workspaceId, projectId: project.id },
    orderBy: { createdAt: "desc" },
    take: 5,
  });
  if (tasks.length === 0) return "No tasks yet. Start one with `/jace ask <question>` or `/jace test <repo-url>`.";
  const lines = tasks.map((t) => `• ${link(url(t.id), `#${t.number}`)} ${escape(t.title)}: *${t.status.replace("_", " ")}*`);
  return [`*Recent tasks in ${escape(project.name)}*`, ...lines].join("\n");
}

async function decide(ctx: CommandCtx, member: SlackMember, decision: "approve" | "reject" | "cancel", ref: string, reason: string) {
  const { db, installation } = ctx;
  const ws = installation.workspaceId;
  requirePermission(
    ctx,
    member,
    decision === "cancel" ? "tasks.create" : "tasks.approve",
    decision === "cancel" ? "cancel tasks" : `${decision} plans`,
  );
  await assertWritable(db, installation.workspace);
  const task =
    decision === "approve"
      ? await approveTask(db, ws, actor(member), ref)
      : decision === "reject"
        ? await rejectTask(db, ws, actor(member), ref, reason)
        : await cancelTask(db, ws, actor(member), ref);
  return decision === "approve"
    ? `Approved #${task.number}: it runs now.`
    : decision === "reject"
      ? `Rejected #${task.number}.`
      : `Cancelled #${task.number}.`;
}

async function runners({ db, installation }: CommandCtx): Promise<string> {
  const list = await db.runner.findMany({ where: { workspaceId: installation.workspaceId, revokedAt: null }, orderBy: { name: "asc" } });
  const addUrl = `${getEnv().appUrl}/w/${installation.workspace.slug}/runners`;
  if (list.length === 0) return `No runners yet. ${link(addUrl, "Add a runner")}: any machine with a GPU (or just a CPU) will do.`;
  const lines = list.map((r) => `• *${escape(r.name)}*: ${r.status}${r.labels.length ? ` (${r.labels.map(escape).join(", ")})` : ""}`);
  const online = list.filter((r) => r.status === "online" || r.status === "busy").length;
  const footer = online === 0 ? `\nNone is online. Start one, or ${link(addUrl, "add a runner")}.` : "";
  return `*Runners: ${online} of ${list.length} online*\n${lines.join("\n")}${footer}`;
}

async function usage({ db, installation }: CommandCtx): Promise<string> {
  const s = await usageSummary(db, installation.workspaceId, {});
  const share = s.localShare === null ? "no calls yet" : `${Math.round(s.localShare * 100)}% ran on your runners`;
  return [
    `*Usage in ${s.month}*`,
    `• Cost so far: ${formatCost(s.cost.totalMicros)}${s.forecast ? ` (forecast ${formatCost(s.forecast.totalMicros)})` : ""}`,
    `• Model calls: ${s.calls.total} (${share})`,
    `• Saved against the cloud baseline: ${formatCost(s.savings.savedMicros)}`,
  ].join("\n");
}

async function linkByName(ctx: CommandCtx, member: SlackMember, name: string): Promise<string> {
  const { db, installation, command, client } = ctx;
  requirePermission(ctx, member, "projects.manage", "link channels to projects");
  await assertWritable(db, installation.workspace);
  const project = await db.project.findFirst({
    where: { workspaceId: installation.workspaceId, archivedAt: null, name: { equals: name, mode: "insensitive" } },
  });
  if (!project)
    return `No active project named *${escape(name)}* in ${escape(installation.workspace.name)}. Check the name on the Projects page.`;
  const channel = await channelName(client, command.channel_id, command.channel_name);
  await linkChannel(db, installation, command.channel_id, channel, project.id);
  return `This channel now answers for the project *${escape(project.name)}*.`;
}
