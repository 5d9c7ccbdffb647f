"use client";
import { useQuery } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { Badge, Card, CardBody, CardHeader, type BadgeTone } from "@/app/_components/ui";
import { useTRPC } from "@/app/_lib/trpc";
import type { PipelineRunView } from "@/server/features/tasks/pipeline-run";
import { formatDateTime, formatDuration } from "../../../runners/_components/format";

/** How often the card re-reads a run that is still going. */
const LIVE_REFRESH_MS = 3_000;

type Run = NonNullable<PipelineRunView["run"]>;

const runStatus: Record<string, { label: string; tone: BadgeTone }> = {
  running: { label: "Running", tone: "info" },
  completed: { label: "Completed", tone: "success" },
  failed: { label: "Failed", tone: "danger" },
  cancelled: { label: "Cancelled", tone: "warning" },
};

const stepStatus: Record<string, string> = {
  planned: "queued",
  retrying: "failed, will retry",
  waiting: "waiting for an event",
  sleeping: "sleeping",
  invoking: "waiting for another function",
};

/**
 * The task's pipeline run as the executor sees it: what Inngest is doing right now, which the
 * task's own steps do not show (a step failing and being retried, a wait for an event).
 */
export function RunCard({ slug, taskId, live, now }: { slug: string; taskId: string; live: boolean; now: number }) {
  const trpc = useTRPC();
  const run = useQuery(
    trpc.task.run.queryOptions(
      { workspaceSlug: slug, taskId },
      { refetchInterval: (q) => (live || q.state.data?.run?.status === "running" ? LIVE_REFRESH_MS : false) },
    ),
  );
  if (run.isPending || run.isError) return null;
  const { mode } = run.data;
  return (
    <Card data-testid="pipeline-run">
      <CardHeader title="Pipeline run" />
      <CardBody>
        {run.data.run ? (
          <RunFacts run={run.data.run} now={now} />
        ) : (
          <p className="text-[13px] text-ink-subtle">
            {mode === "embedded"
              ? "No run recorded yet, or its history is older than the 7 days the executor keeps."
              : `The run is on ${mode === "dev" ? "the Inngest dev server" : "Inngest"}: see its dashboard.`}
          </p>
        )}
      </CardBody>
    </Card>
  );
}

function RunFacts({ run, now }: { run: Run; now: number }) {
  const status = runStatus[run.status] ?? { label: run.status, tone: "neutral" as const };
  const c = run.current;
  return (
    <dl className="flex flex-col gap-3.5">
      <Fact label="Status">
        <Badge tone={status.tone} dot pulse={run.status === "running"} data-testid="run-status">
          {status.label}
        </Badge>
      </Fact>
      {c ? (
        <>
          <Fact label="Step" title={c.name}>
            <span data-testid="run-step">
              {c.name} <span className="text-ink-subtle">· {stepStatus[c.status] ?? c.status}</span>
            </span>
          </Fact>
          {c.attempts > 0 ? <Fact label="Attempts">{c.attempts}</Fact> : null}
          {c.nextRetryAt ? <Fact label="Next try">{until(c.nextRetryAt, now)}</Fact> : null}
          {c.waitingFor ? (
            <Fact label="Waiting for" title={c.waitingFor.event}>
              <code className="text-[13px]" data-testid="run-waiting-for">
                {c.waitingFor.event}
              </code>
            </Fact>
          ) : null}
          {c.waitingFor?.until ? <Fact label="Gives up">{until(c.waitingFor.until, now)}</Fact> : null}
          {c.wakesAt ? <Fact label="Wakes">{until(c.wakesAt, now)}</Fact> : null}
        </>
      ) : null}
      {run.error ? (
        <Fact label="Error" title={run.error}>
          {run.error}
        </Fact>
      ) : null}
      <Fact label={run.endedAt ? "Ran for" : "Started"}>
        {run.endedAt ? formatDuration(run.endedAt.getTime() - run.startedAt.getTime()) : formatDateTime(run.startedAt)}
      </Fact>
    </dl>
  );
}

/** "in 12 s" while it is ahead, the time once it has passed. */
function until(at: Date, now: number): string {
  const ms = at.getTime() - now;
  return ms > 0 ? `in ${formatDuration(ms)}` : formatDateTime(at);
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
