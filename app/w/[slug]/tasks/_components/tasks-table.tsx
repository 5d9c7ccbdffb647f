"use client";
import Link from "next/link";
import { Table, TableBody, TableCaption, TableCell, TableHead, TableHeaderCell, TableRow } from "@/app/_components/ui";
import { formatDateTime, formatDuration, formatRelative } from "../../runners/_components/format";
import { kindLabels, sourceLabel, statusInfo, TaskStatusBadge, taskDurationMs, type TaskListItem } from "./task-badges";

/** The task list: newest first, each row linking to the task's page. */
export function TasksTable({ tasks, slug, now }: { tasks: TaskListItem[]; slug: string; now: number }) {
  return (
    <Table>
      <TableCaption>Tasks, newest first</TableCaption>
      <TableHead>
        <tr>
          <TableHeaderCell className="w-14">#</TableHeaderCell>
          <TableHeaderCell>Task</TableHeaderCell>
          <TableHeaderCell className="hidden md:table-cell">Source</TableHeaderCell>
          <TableHeaderCell>Status</TableHeaderCell>
          <TableHeaderCell className="hidden lg:table-cell">Created by</TableHeaderCell>
          <TableHeaderCell className="text-right">Age / duration</TableHeaderCell>
        </tr>
      </TableHead>
      <TableBody>
        {tasks.map((task) => {
          const duration = taskDurationMs(task, now);
          const live = statusInfo[task.status].live || task.status === "awaiting_approval";
          return (
            <TableRow key={task.id} interactive data-testid="task-row" className="relative">
              <TableCell className="font-mono text-[13px] whitespace-nowrap text-ink-subtle tabular-nums">#{task.number}</TableCell>
              <TableCell className="max-w-0 min-w-52">
                {/* The link's overlay makes the whole row clickable while the row stays a plain table row. */}
                <Link
                  href={`/w/${slug}/tasks/${task.id}`}
                  className="block truncate font-medium text-ink outline-none after:absolute after:inset-0 focus-visible:underline"
                  title={task.title}
                >
                  {task.title}
                </Link>
                <div className="mt-0.5 truncate text-xs text-ink-subtle">
                  {kindLabels[task.kind]} · {task.projectName}
                  <span className="md:hidden"> · {sourceLabel(task.source)}</span>
                </div>
              </TableCell>
              <TableCell className="hidden text-[13px] whitespace-nowrap text-ink-muted md:table-cell">
                {sourceLabel(task.source)}
              </TableCell>
              <TableCell className="max-w-48">
                <TaskStatusBadge status={task.status} />
                {task.statusReason && task.statusReason !== statusInfo[task.status].label ? (
                  <div
                    className={live ? "mt-1 truncate text-xs text-ink-muted" : "mt-1 truncate text-xs text-ink-subtle"}
                    title={task.statusReason}
                  >
                    {task.statusReason}
                  </div>
                ) : null}
              </TableCell>
              <TableCell className="hidden max-w-36 truncate text-[13px] text-ink-muted lg:table-cell" title={task.createdByLabel}>
                {task.createdByLabel}
              </TableCell>
              <TableCell className="text-right text-[13px] whitespace-nowrap text-ink-muted">
                <time dateTime={task.createdAt.toISOString()} title={formatDateTime(task.createdAt)}>
                  {formatRelative(task.createdAt, now)}
                </time>
                <div className="text-xs text-ink-subtle tabular-nums">
                  {duration === null ? "not started" : `${task.finishedAt ? "took" : "running"} ${formatDuration(duration)}`}
                </div>
              </TableCell>
            </TableRow>
          );
        })}
      </TableBody>
    </Table>
  );
}
