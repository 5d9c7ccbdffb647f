"use client";
import { useId } from "react";
import { cx } from "@/app/_components/ui";
import { formatDuration } from "../../../runners/_components/format";
import type { TaskDetail } from "../../_components/task-badges";

const stepLabels: Record<string, string> = {
  analyze: "Analyze",
  plan: "Plan",
  approval: "Approval",
  execute: "Execute",
  usage: "Usage",
  deliver: "Deliver",
};

const fills: Record<string, string> = {
  succeeded: "fill-emerald-500",
  running: "fill-accent-500",
  failed: "fill-red-500",
  skipped: "fill-zinc-300",
  cancelled: "fill-amber-400",
};

type Row = { name: string; step: TaskDetail["steps"][number] | undefined };

/**
 * Each pipeline step as a bar on one time axis, from the task's creation to its end (or now):
 * gaps are time spent queued, a running step grows as the clock ticks, and a step waiting for
 * approval is hatched amber.
 */
export function StepTimeline({ task, now }: { task: TaskDetail; now: number }) {
  const hatch = useId();
  const names = ["analyze", "plan", ...(task.requiresApproval ? ["approval"] : []), "execute", "usage", "deliver"];
  for (const s of task.steps) if (!names.includes(s.name)) names.push(s.name);
  const rows: Row[] = names.map((name) => ({ name, step: task.steps.find((s) => s.name === name) }));

  const t0 = task.createdAt.getTime();
  const stepEnds = task.steps.map((s) => (s.finishedAt ?? s.startedAt).getTime());
  const end =
    task.finishedAt?.getTime() ??
    (task.status === "succeeded" || task.status === "failed" || task.status === "cancelled" ? Math.max(t0, ...stepEnds) : now);
  const span = Math.max(end - t0, 1_000);
  const pct = (t: number) => Math.min(100, Math.max(0, ((t - t0) / span) * 100));

  return (
    <div>
      <svg width="0" height="0" aria-hidden="true" className="absolute">
        <defs>
          <pattern id={hatch} width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
            <rect width="6" height="6" className="fill-amber-200" />
            <rect width="3" height="6" className="fill-amber-400" />
          </pattern>
        </defs>
      </svg>
      <ol className="flex flex-col gap-1.5" aria-label="Pipeline steps">
        {rows.map(({ name, step }) => {
          const status = step?.status ?? "pending";
          const open = step && !step.finishedAt;
          const from = step ? pct(step.startedAt.getTime()) : 0;
          const to = step ? pct(step.finishedAt?.getTime() ?? end) : 0;
          const width = Math.max(to - from, 0.75);
          const ms = step ? (step.finishedAt?.getTime() ?? end) - step.startedAt.getTime() : 0;
          return (
            <li
              key={name}
              className="grid grid-cols-[6.5rem_1fr_7.5rem] items-center gap-3 text-[13px]"
              data-step={name}
              data-step-status={status}
            >
              <span className={cx("truncate font-medium", step ? "text-ink" : "text-ink-subtle")} title={step?.detail ?? undefined}>
                {stepLabels[name] ?? name}
              </span>
              <svg width="100%" height="22" aria-hidden="true" className="overflow-visible">
                <rect x="0" y="10" width="100%" height="2" rx="1" className="fill-zinc-100" />
                {[25, 50, 75].map((x) => (
                  <line key={x} x1={`${x}%`} x2={`${x}%`} y1="2" y2="20" className="stroke-zinc-200" strokeDasharray="2 3" />
                ))}
                {step ? (
                  <rect
                    x={`${Math.min(from, 100 - width)}%`}
                    y="3"
                    width={`${width}%`}
                    height="16"
                    rx="4"
                    fill={status === "waiting" ? `url(#${hatch})` : undefined}
                    className={cx(
                      status !== "waiting" && (fills[status] ?? "fill-zinc-400"),
                      open && status === "running" && "animate-pulse",
                    )}
                  />
                ) : null}
              </svg>
              <span className={cx("text-right whitespace-nowrap tabular-nums", statusText(status))}>
                {!step
                  ? "–"
                  : status === "waiting"
                    ? `waiting ${formatDuration(ms)}`
                    : status === "skipped"
                      ? "skipped"
                      : status === "cancelled"
                        ? `cancelled ${formatDuration(ms)}`
                        : formatDuration(ms)}
              </span>
            </li>
          );
        })}
      </ol>
      <div className="mt-2 grid grid-cols-[6.5rem_1fr_7.5rem] gap-3 text-xs text-ink-subtle tabular-nums">
        <span />
        <div className="flex justify-between">
          <span>0 s</span>
          <span>{formatDuration(span / 2)}</span>
          <span>{formatDuration(span)}</span>
        </div>
        <span />
      </div>
    </div>
  );
}

function statusText(status: string): string {
  if (status === "failed") return "text-red-700";
  if (status === "waiting" || status === "cancelled") return "text-amber-800";
  if (status === "running") return "text-accent-700";
  return "text-ink-muted";
}
