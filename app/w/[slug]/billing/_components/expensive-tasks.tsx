import Link from "next/link";
import { Badge, Card, CardHeader, IconChevronRight } from "@/app/_components/ui";
import { formatCount, formatMonthName, formatUsd, plural } from "./format";
import type { UsageSummary } from "./usage-view";

/** Tasks whose model calls cost far more than the month's usual task (or simply the dearest few). */
export function ExpensiveTasks({ data, slug }: { data: UsageSummary; slug: string }) {
  const { method, thresholdMicros, taskCount, tasks } = data.expensiveTasks;
  const outliers = tasks.filter((t) => t.outlier).length;
  const months = data.current ? "this month's" : `${formatMonthName(data.month)}'s`;
  const description =
    taskCount === 0
      ? `No task made model calls ${data.current ? "this month" : `in ${formatMonthName(data.month)}`}: they all came through the API.`
      : method === "top"
        ? `Only ${plural(taskCount, "task")} made model calls, too few to tell outliers apart: the most expensive are shown.`
        : outliers > 0
          ? `${formatCount(outliers)} of ${months} ${formatCount(taskCount)} tasks cost more than ${formatUsd(thresholdMicros ?? 0)}, the top of the usual range (75th percentile + 1.5 × interquartile range).`
          : `None of ${months} ${formatCount(taskCount)} tasks stands out (nothing above ${formatUsd(thresholdMicros ?? 0)}); the most expensive are shown.`;
  return (
    <Card>
      <CardHeader
        title="Most expensive tasks"
        description={description}
        actions={outliers > 0 ? <Badge tone="warning">{plural(outliers, "outlier")}</Badge> : null}
      />
      {tasks.length > 0 ? (
        <ul className="divide-y divide-line">
          {tasks.map((t) => {
            const body = (
              <>
                <div className="min-w-0 flex-1">
                  <div className="flex items-center gap-2">
                    {t.number !== null ? <span className="text-ink-subtle tabular-nums">#{t.number}</span> : null}
                    <span className={t.title ? "truncate font-medium text-ink" : "text-ink-muted italic"}>{t.title ?? "Deleted task"}</span>
                    {t.outlier ? (
                      <Badge tone="warning" className="shrink-0">
                        Outlier
                      </Badge>
                    ) : null}
                  </div>
                  <div className="mt-0.5 text-[13px] text-ink-subtle">
                    {t.projectName ? `${t.projectName} · ` : null}
                    {plural(t.calls, "model call")}
                  </div>
                </div>
                <span className="font-semibold tabular-nums">{formatUsd(t.costMicros)}</span>
              </>
            );
            return (
              <li key={t.taskId}>
                {t.title !== null ? (
                  <Link
                    href={`/w/${slug}/tasks/${t.taskId}`}
                    className="flex items-center gap-4 px-5 py-3 text-sm transition-colors hover:bg-subtle/70 focus-visible:bg-subtle/70 focus-visible:outline-none"
                  >
                    {body}
                    <IconChevronRight size={16} className="shrink-0 text-ink-subtle" />
                  </Link>
                ) : (
                  <div className="flex items-center gap-4 px-5 py-3 pr-14 text-sm">{body}</div>
                )}
              </li>
            );
          })}
        </ul>
      ) : null}
    </Card>
  );
}
