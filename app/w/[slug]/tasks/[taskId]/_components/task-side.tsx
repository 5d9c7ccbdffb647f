import Link from "next/link";
import { isTerminal } from "@/server/features/tasks/schemas";
import type { ReactNode } from "react";
import { Card, CardBody, CardHeader, IconExternal, Stat } from "@/app/_components/ui";
import { formatUsd } from "../../../billing/_components/format";
import { formatBytes, formatDateTime, formatDuration } from "../../../runners/_components/format";

const formatSize = (bytes: number) => (bytes < 1024 ? `${bytes} B` : formatBytes(bytes));
import { kindLabels, sourceLabel, TaskStatusBadge, taskDurationMs, type TaskDetail } from "../../_components/task-badges";

export function DetailsCard({ task, now, slug }: { task: TaskDetail; now: number; slug: string }) {
  const duration = taskDurationMs(task, now);
  return (
    <Card>
      <CardHeader title="Details" />
      <CardBody>
        <dl className="flex flex-col gap-3.5">
          <Fact label="Kind">{kindLabels[task.kind]}</Fact>
          <Fact label="Project">{task.projectName}</Fact>
          <Fact label="Source">{sourceLabel(task.source)}</Fact>
          <Fact label="Created by" title={task.createdByLabel}>
            {task.createdByLabel}
          </Fact>
          {task.runner ? (
            <Fact label={isTerminal(task.status) ? "Ran on" : "Runner"} title={task.runner.name}>
              <Link href={`/w/${slug}/runners/${task.runner.id}`} className="text-accent-700 hover:underline" data-testid="task-runner">
                {task.runner.name}
              </Link>
            </Fact>
          ) : null}
          <Fact label="Created">{formatDateTime(task.createdAt)}</Fact>
          {task.startedAt ? <Fact label="Started">{formatDateTime(task.startedAt)}</Fact> : null}
          {task.finishedAt ? <Fact label="Finished">{formatDateTime(task.finishedAt)}</Fact> : null}
          {duration !== null ? <Fact label={task.finishedAt ? "Took" : "Running for"}>{formatDuration(duration)}</Fact> : null}
        </dl>
      </CardBody>
    </Card>
  );
}

/** Written as the usage page writes the ledger's figures: a CPU-only call's energy price is "<$0.0001", not "$0.0000". */
const formatCost = formatUsd;

export function UsageCard({ task }: { task: TaskDetail }) {
  const u = task.usage;
  return (
    <Card>
      <CardHeader title="Usage" />
      <CardBody>
        {u ? (
          <dl className="grid grid-cols-2 gap-4">
            <Stat
              label="Tokens"
              value={(u.promptTokens + u.completionTokens).toLocaleString()}
              hint={`${u.promptTokens.toLocaleString()} in · ${u.completionTokens.toLocaleString()} out`}
            />
            <Stat label="Cost" value={formatCost(task.costMicros)} hint={task.costMicros === 0 ? "Own runners" : undefined} />
            <Stat label="GPU time" value={`${u.gpuSeconds.toFixed(1)} s`} />
            <Stat label="CPU time" value={`${u.cpuSeconds.toFixed(1)} s`} />
          </dl>
        ) : (
          <p className="text-[13px] text-ink-subtle">
            {isTerminal(task.status) ? "No usage was recorded." : "Recorded when the task has run."}
          </p>
        )}
      </CardBody>
    </Card>
  );
}

export function ArtifactsCard({ task, slug }: { task: TaskDetail; slug: string }) {
  if (task.artifacts.length === 0) return null;
  return (
    <Card>
      <CardHeader title="Files" />
      <ul className="divide-y divide-line">
        {task.artifacts.map((a) => (
          <li key={a.id}>
            <a
              href={`/api/w/${slug}/artifacts/${a.id}`}
              download={a.name}
              className="flex items-center justify-between gap-3 px-5 py-3 text-sm hover:bg-subtle/70"
              data-testid="artifact-link"
            >
              <span className="min-w-0">
                <span className="block truncate font-medium text-accent-700">{a.name}</span>
                <span className="text-xs text-ink-subtle">
                  {formatSize(a.bytes)} · {a.contentType.split(";")[0]}
                </span>
              </span>
              <IconExternal size={14} className="shrink-0 text-ink-subtle" />
            </a>
          </li>
        ))}
      </ul>
    </Card>
  );
}

export function ReplaysCard({ task, slug, original }: { task: TaskDetail; slug: string; original: { id: string; number: number } | null }) {
  if (!task.replayOfId && task.replays.length === 0) return null;
  return (
    <Card>
      <CardHeader title="Replays" />
      <CardBody className="flex flex-col gap-3 text-sm">
        {task.replayOfId ? (
          <p className="text-ink-muted">
            A replay of{" "}
            <Link href={`/w/${slug}/tasks/${task.replayOfId}`} className="font-medium text-accent-700 hover:underline">
              {original ? `task #${original.number}` : "an earlier task"}
            </Link>
          </p>
        ) : null}
        {task.replays.length > 0 ? (
          <ul className="flex flex-col gap-2">
            {task.replays.map((r) => (
              <li key={r.id} className="flex items-center justify-between gap-2">
                <Link href={`/w/${slug}/tasks/${r.id}`} className="font-medium text-accent-700 hover:underline">
                  Task #{r.number}
                </Link>
                <TaskStatusBadge status={r.status} />
              </li>
            ))}
          </ul>
        ) : null}
      </CardBody>
    </Card>
  );
}

function Fact({ label, title, children }: { label: string; title?: string; children: ReactNode }) {
  return (
    <div className="flex items-baseline justify-between gap-4">
      <dt className="shrink-0 text-[13px] text-ink-subtle">{label}</dt>
      <dd className="min-w-0 truncate text-right text-sm text-ink" title={title}>
        {children}
      </dd>
    </div>
  );
}
