"use client";
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { notFound } from "next/navigation";
import { Alert, Card, CardBody, CardHeader, IconChevronLeft, LoadError, PageHeader, Skeleton, SkeletonText } from "@/app/_components/ui";
import { useTRPC } from "@/app/_lib/trpc";
import { isTerminal } from "@/server/features/tasks/schemas";
import { useWorkspace } from "../../../_components/workspace-context";
import { useNow } from "../../../runners/_components/live";
import { kindLabels, sourceLabel, statusInfo, TaskStatusBadge, type TaskDetail } from "../../_components/task-badges";
import { LogsPanel } from "./logs-panel";
import { PlanCard } from "./plan-card";
import { RequestCard } from "./request-card";
import { RunCard } from "./run-card";
import { ResultCard } from "./result-card";
import { StepTimeline } from "./step-timeline";
import { TaskActions } from "./task-actions";
import { ArtifactsCard, DetailsCard, ReplaysCard, UsageCard } from "./task-side";
import { useTaskEvents, type LogLine } from "./use-task-events";

/** While the event stream is down, the page still re-reads a live task this often. */
const FALLBACK_REFRESH_MS = 5_000;

export function TaskDetailView({ taskId }: { taskId: string }) {
  const trpc = useTRPC();
  const { slug } = useWorkspace();
  const events = useTaskEvents(slug, taskId);
  const task = useQuery(
    trpc.task.get.queryOptions(
      { workspaceSlug: slug, taskId },
      { refetchInterval: (q) => (events.connected || (q.state.data && isTerminal(q.state.data.status)) ? false : FALLBACK_REFRESH_MS) },
    ),
  );

  if (task.isPending) return <DetailSkeleton slug={slug} />;
  if (task.isError && !task.data) {
    if (task.error.data?.code === "NOT_FOUND") notFound();
    return (
      <>
        <BackLink slug={slug} />
        <LoadError what="this task" error={task.error} onRetry={() => task.refetch()} className="mt-4" />
      </>
    );
  }
  return <TaskDetailBody task={task.data} lines={events.lines} connected={events.connected} />;
}

function TaskDetailBody({ task, lines, connected }: { task: TaskDetail; lines: LogLine[]; connected: boolean }) {
  const trpc = useTRPC();
  const { slug } = useWorkspace();
  const live = !isTerminal(task.status);
  const now = useNow(live ? 1_000 : 30_000);
  const original = useQuery(
    trpc.task.get.queryOptions({ workspaceSlug: slug, taskId: task.replayOfId ?? "" }, { enabled: Boolean(task.replayOfId) }),
  );
  const reason = task.statusReason && task.statusReason !== statusInfo[task.status].label ? task.statusReason : null;

  return (
    <>
      <PageHeader
        eyebrow={<BackLink slug={slug} />}
        title={
          <span className="flex flex-wrap items-center gap-x-3 gap-y-1">
            <span className="min-w-0 break-words">
              <span className="font-normal text-ink-subtle tabular-nums">#{task.number}</span> {task.title}
            </span>
            <TaskStatusBadge status={task.status} className="translate-y-px" />
          </span>
        }
        description={
          <>
            {kindLabels[task.kind]} · {task.projectName} · from {sourceLabel(task.source)} by {task.createdByLabel}
            {reason && live ? (
              <span className="mt-0.5 block font-medium text-ink" data-testid="status-reason">
                <StatusReason reason={reason} runner={task.runner} slug={slug} />
              </span>
            ) : null}
          </>
        }
        actions={<TaskActions task={task} />}
      />

      <StatusAlert task={task} />

      <div className="mt-6 grid gap-4 lg:grid-cols-[minmax(0,1fr)_18rem]">
        <div className="flex min-w-0 flex-col gap-4">
          {task.status === "awaiting_approval" ? <PlanCard task={task} /> : null}
          {task.result ? <ResultCard result={task.result} /> : null}
          <Card>
            <CardHeader
              title="Steps"
              description={live ? "Live: running steps grow as they go." : "How long each step of the pipeline took."}
            />
            <CardBody>
              <StepTimeline task={task} now={now} />
            </CardBody>
          </Card>
          <RequestCard input={task.input} />
          {task.status !== "awaiting_approval" ? <PlanCard task={task} /> : null}
        </div>
        <div className="flex min-w-0 flex-col gap-4">
          <DetailsCard task={task} now={now} slug={slug} />
          <RunCard slug={slug} taskId={task.id} live={live} now={now} />
          <UsageCard task={task} />
          <ArtifactsCard task={task} slug={slug} />
          <ReplaysCard task={task} slug={slug} original={original.data ? { id: original.data.id, number: original.data.number } : null} />
        </div>
      </div>

      <div className="mt-4">
        <LogsPanel lines={lines} connected={connected} live={live} />
      </div>
    </>
  );
}

/** "Running tests on alice-pc", with the runner's name linking to its page. */
function StatusReason({ reason, runner, slug }: { reason: string; runner: TaskDetail["runner"]; slug: string }) {
  const suffix = runner ? ` on ${runner.name}` : null;
  if (!runner || !suffix || !reason.endsWith(suffix)) return <>{reason}</>;
  return (
    <>
      {reason.slice(0, -suffix.length)} on{" "}
      <Link href={`/w/${slug}/runners/${runner.id}`} className="text-accent-700 hover:underline">
        {runner.name}
      </Link>
    </>
  );
}

function StatusAlert({ task }: { task: TaskDetail }) {
  if (task.status === "failed") {
    return (
      <Alert tone="danger" title="This task failed" className="mt-6">
        <p data-testid="task-error">{task.error ?? "No reason was recorded."}</p>
        <p className="mt-1">Fix the cause, then replay the task.</p>
      </Alert>
    );
  }
  if (task.status === "cancelled") {
    const rejected = task.statusReason === "Rejected";
    return (
      <Alert tone="warning" title={rejected ? "Plan rejected" : "Cancelled"} className="mt-6">
        <p data-testid="task-error">{task.error ?? (rejected ? "The plan was rejected." : "The task was cancelled.")}</p>
        <p className="mt-1">Nothing else runs for this task; replay it to try again.</p>
      </Alert>
    );
  }
  return null;
}

function BackLink({ slug }: { slug: string }) {
  return (
    <Link href={`/w/${slug}/tasks`} className="inline-flex items-center gap-1 hover:text-ink">
      <IconChevronLeft size={14} /> Tasks
    </Link>
  );
}

function DetailSkeleton({ slug }: { slug: string }) {
  return (
    <div aria-busy="true" aria-label="Loading task">
      <div className="border-b border-line pb-6">
        <div className="mb-1.5 text-[13px] font-medium text-ink-subtle">
          <BackLink slug={slug} />
        </div>
        <Skeleton className="h-8 w-80 max-w-full" />
        <SkeletonText className="mt-3 max-w-md" lines={1} />
      </div>
      <div className="mt-6 grid gap-4 lg:grid-cols-[minmax(0,1fr)_18rem]">
        <Skeleton className="h-56 w-full rounded-card" />
        <Skeleton className="h-56 w-full rounded-card" />
      </div>
      <Skeleton className="mt-4 h-48 w-full rounded-card" />
    </div>
  );
}
