import { Badge, type BadgeTone } from "@/app/_components/ui";
import type { RouterOutputs } from "@/app/_lib/trpc";
import type { TaskKind, TaskSource, TaskStatus } from "@/server/features/tasks/schemas";

export type TaskListItem = RouterOutputs["task"]["list"]["items"][number];
export type TaskDetail = RouterOutputs["task"]["get"];

export const statusInfo: Record<TaskStatus, { tone: BadgeTone; label: string; live: boolean }> = {
  queued: { tone: "neutral", label: "Queued", live: false },
  analyzing: { tone: "info", label: "Analyzing", live: true },
  planning: { tone: "info", label: "Planning", live: true },
  awaiting_approval: { tone: "warning", label: "Awaiting approval", live: false },
  running: { tone: "accent", label: "Running", live: true },
  delivering: { tone: "accent", label: "Delivering", live: true },
  succeeded: { tone: "success", label: "Succeeded", live: false },
  failed: { tone: "danger", label: "Failed", live: false },
  cancelled: { tone: "neutral", label: "Cancelled", live: false },
};

export function TaskStatusBadge({ status, className }: { status: TaskStatus; className?: string }) {
  const s = statusInfo[status];
  return (
    <Badge tone={s.tone} dot pulse={s.live} data-status={status} className={className}>
      {s.label}
    </Badge>
  );
}

export const kindLabels: Record<TaskKind, string> = { ask: "Question", test: "Test run", custom: "Custom work" };

export const sourceLabels: Record<TaskSource, string> = {
  web: "Web",
  api: "API",
  slack: "Slack",
  github: "GitHub",
  telegram: "Telegram",
  gmail: "Gmail",
  trello: "Trello",
};

export function sourceLabel(source: string): string {
  return sourceLabels[source as TaskSource] ?? source;
}

/** "ran 42 s", "running 3 min 05 s", or null while the task has not started. */
export function taskDurationMs(task: { startedAt: Date | null; finishedAt: Date | null; createdAt: Date }, now: number): number | null {
  if (!task.startedAt) return task.finishedAt ? task.finishedAt.getTime() - task.createdAt.getTime() : null;
  return (task.finishedAt?.getTime() ?? now) - task.startedAt.getTime();
}
