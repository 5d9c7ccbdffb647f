import type { Task } from "@/server/generated/prisma/client";
import { taskPlan, taskResult, type TaskResult } from "@/server/features/tasks/schemas";
import { slackEscape, splitText, truncate } from "../text/outbound";

/**
 * Everything Jace says in Slack, as Block Kit. Pure functions of plain data, so wording and
 * structure are unit-tested and every message also carries a `text` fallback for notifications.
 */

export type Block = Record<string, unknown>;
export type SlackMessage = { text: string; blocks?: Block[] };

/** What Slack accepts in one message (longer is refused or cut by Slack, not by us). */
export const SLACK_LIMITS = { text: 40_000, sectionText: 3_000, blocks: 50 } as const;
/** Sections of a result's body at most: a long answer is cut with a link to the task page. */
const MAX_BODY_SECTIONS = 10;

const section = (text: string): Block => ({ type: "section", text: { type: "mrkdwn", text: truncate(text, SLACK_LIMITS.sectionText) } });
const context = (text: string): Block => ({
  type: "context",
  elements: [{ type: "mrkdwn", text: truncate(text, SLACK_LIMITS.sectionText) }],
});

/**
 * Untrusted text (titles, model output, error messages) as Slack mrkdwn: control characters
 * stripped, `& < >` escaped, broadcasts and mentions neutralised (server/integrations/text/outbound.ts).
 */
export const escape = slackEscape;

/** Every message goes out within Slack's limits, whatever built it. */
export function fitMessage(message: SlackMessage): SlackMessage {
  return {
    text: truncate(message.text, SLACK_LIMITS.text),
    ...(message.blocks ? { blocks: message.blocks.slice(0, SLACK_LIMITS.blocks) } : {}),
  };
}

export const link = (url: string, label: string) => `<${url}|${escape(label)}>`;

export const taskUrl = (appUrl: string, slug: string, taskId: string) => `${appUrl}/w/${slug}/tasks/${taskId}`;

export const formatCost = (micros: number) => `$${(micros / 1_000_000).toFixed(micros < 10_000 ? 4 : 2)}`;

const statusLabel: Record<string, string> = {
  queued: ":hourglass_flowing_sand: Queued",
  analyzing: ":mag: Analyzing",
  planning: ":memo: Planning",
  awaiting_approval: ":raised_hand: Waiting for approval",
  running: ":gear: Running",
  delivering: ":outbox_tray: Delivering",
  succeeded: ":white_check_mark: Succeeded",
  failed: ":x: Failed",
  cancelled: ":no_entry_sign: Cancelled",
};

type TaskView = Pick<Task, "id" | "number" | "title" | "status" | "statusReason" | "error" | "costMicros" | "createdByLabel">;

/** The thread's root message, edited in place as the task moves. */
export function statusMessage(task: TaskView, url: string): SlackMessage {
  const label = statusLabel[task.status] ?? task.status;
  const reason = task.status === "failed" || task.status === "cancelled" ? (task.error ?? task.statusReason) : task.statusReason;
  const line = `*${link(url, `#${task.number}`)}* ${escape(task.title)}`;
  return {
    text: `#${task.number} ${escape(task.title)}: ${label.replace(/^:[a-z_]+: /, "")}`,
    blocks: [section(line), context(`${label}${reason ? ` · ${escape(reason)}` : ""} · requested by ${escape(task.createdByLabel)}`)],
  };
}

/** The status key stored per thread: the root message is only edited when it changes. */
export const renderedKey = (task: Pick<Task, "status" | "statusReason" | "error">) =>
  `${task.status}|${task.statusReason ?? ""}|${task.error ?? ""}`.slice(0, 500);

type PlanView = Pick<Task, "id" | "number" | "plan" | "decidedByLabel" | "decidedAt" | "status" | "statusReason">;

/** What became of a plan: rejected, approved (even if the task was cancelled later), or closed undecided. */
export function planVerdict(task: Omit<PlanView, "id" | "number" | "plan">): string {
  const by = task.decidedByLabel ? ` by ${escape(task.decidedByLabel)}` : "";
  if (!task.decidedAt) return `Closed without a decision: the task is ${task.status.replace("_", " ")}`;
  // rejectTask is the only decision that cancels, and it leaves "Rejected" as the reason.
  if (task.status === "cancelled" && task.statusReason === "Rejected") return `Rejected${by}`;
  return `Approved${by}`;
}

export function planMessage(task: PlanView, decided: boolean): SlackMessage {
  const plan = taskPlan.safeParse(task.plan);
  const steps = plan.success ? plan.data.steps.map((s, i) => `${i + 1}. ${escape(s.title)}`).join("\n") : "";
  const summary = plan.success ? escape(plan.data.summary) : "The plan could not be read; open the task page.";
  const blocks: Block[] = [section(`*Plan for #${task.number}*\n${summary}${steps ? `\n${steps}` : ""}`)];
  if (!decided) {
    blocks.push({
      type: "actions",
      block_id: "jace_approval",
      elements: [
        { type: "button", action_id: "jace_approve", style: "primary", text: { type: "plain_text", text: "Approve" }, value: task.id },
        { type: "button", action_id: "jace_reject", style: "danger", text: { type: "plain_text", text: "Reject" }, value: task.id },
      ],
    });
  } else {
    blocks.push(context(planVerdict(task)));
  }
  return fitMessage({ text: truncate(`Plan for #${task.number}: ${plan.success ? escape(plan.data.summary) : ""}`, 300), blocks });
}

export function testSummaryLine(result: TaskResult): string | null {
  const t = result.tests;
  if (!t) return null;
  return `${t.passed} passed, ${t.failed} failed, ${t.skipped} skipped (${t.total} total)`;
}

/**
 * The result as a reply: the verdict when the tests failed, the (escaped) body over as many sections
 * as Slack allows, cut with a link to the task page when longer, then the test summary and the cost.
 */
export function resultMessage(task: Pick<Task, "number" | "costMicros">, result: TaskResult, url: string): SlackMessage {
  const parsed = taskResult.parse(result);
  const tests = testSummaryLine(parsed);
  // Tests that ran and failed lead with the verdict, as a CI notification does.
  const verdict = parsed.failure ? `#${task.number} failed: ${escape(parsed.failure)}` : null;
  const head = verdict ? `*${verdict}*\n` : `*Result of #${task.number}*\n`;
  const pieces = splitText(escape(parsed.text.trim()) || "_(empty answer)_", SLACK_LIMITS.sectionText - head.length);
  const shown = pieces.slice(0, MAX_BODY_SECTIONS);
  const blocks: Block[] = shown.map((piece, i) => section(i === 0 ? `${head}${piece}` : piece));
  if (pieces.length > shown.length)
    blocks.push(context(`The result is longer than Slack shows: ${link(url, "read all of it on the task page")}`));
  if (tests) blocks.push(section(`*Tests:* ${tests}`));
  blocks.push(context(`Cost ${formatCost(task.costMicros)} · ${link(url, "Open the task")}`));
  return fitMessage({ text: verdict ?? `Result of #${task.number}${tests ? `: ${tests}` : ""}`, blocks });
}

export function failureMessage(task: Pick<Task, "number" | "status" | "error" | "statusReason">, url: string): SlackMessage {
  const what = task.status === "cancelled" ? "was cancelled" : "failed";
  const why = task.error ?? task.statusReason ?? "";
  return {
    text: `#${task.number} ${what}`,
    blocks: [section(`*#${task.number} ${what}.*${why ? ` ${escape(why)}` : ""}`), context(link(url, "Open the task"))],
  };
}

export const HELP = [
  "*Jace commands*",
  "`/jace ask <question>` answer a question on your runners' models",
  "`/jace test <repo-url> [branch]` run a repository's tests in a sandbox (asks for approval first)",
  "`/jace status [task]` recent tasks in this channel, or one task",
  "`/jace approve <task>` · `/jace reject <task> [why]` · `/jace cancel <task>`",
  "`/jace runners` your runners and whether they are online",
  "`/jace usage` this month's cost and how much ran locally",
  "`/jace project link <name>` make this channel answer for a project",
  "`/jace link <code>` finish linking your Slack account (the code is on the page Jace links you to)",
].join("\n");

export function helpMessage(unknown?: string): SlackMessage {
  const intro = unknown ? `I don't know \`${escape(unknown)}\`. ` : "";
  return { text: `${intro}${HELP}`, blocks: [section(`${intro}${HELP}`)] };
}

export function ephemeral(text: string): SlackMessage {
  return { text, blocks: [section(text)] };
}

/** The first command in a channel without a project: link one, or create one named after it. */
export function linkChannelMessage(channelName: string, projects: { id: string; name: string }[]): SlackMessage {
  const text = `This channel is not linked to a Jace project yet. Link one (or create *${escape(channelName)}*), then run your command again. You can also type \`/jace project link <name>\`.`;
  const elements: Block[] = [];
  if (projects.length > 0) {
    elements.push({
      type: "static_select",
      action_id: "jace_link_project",
      placeholder: { type: "plain_text", text: "Link a project" },
      options: projects.slice(0, 100).map((p) => ({ text: { type: "plain_text", text: p.name.slice(0, 75) }, value: p.id })),
    });
  }
  elements.push({
    type: "button",
    action_id: "jace_create_project",
    text: { type: "plain_text", text: `Create project ${channelName}`.slice(0, 75) },
    value: channelName.slice(0, 80),
  });
  return { text, blocks: [section(text), { type: "actions", block_id: "jace_link", elements }] };
}
