"use client";
import { useQuery } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import {
  Alert,
  Button,
  Checkbox,
  EmptyState,
  IconActivity,
  IconPlus,
  IconRunners,
  LoadError,
  PageHeader,
  Select,
  Skeleton,
} from "@/app/_components/ui";
import { useTRPC } from "@/app/_lib/trpc";
import { useWorkspace } from "../../_components/workspace-context";
import { AddRunnerDialog } from "./add-runner-dialog";
import { plural } from "./format";
import { JobsTable } from "./jobs-table";
import { RunnerCard } from "./runner-card";
import { LIVE_INTERVAL_MS, useNow } from "./live";

const jobStatuses = [
  { value: "", label: "All statuses" },
  { value: "queued", label: "Queued" },
  { value: "offered", label: "Offered" },
  { value: "running", label: "Running" },
  { value: "succeeded", label: "Succeeded" },
  { value: "failed", label: "Failed" },
  { value: "cancelled", label: "Cancelled" },
] as const;
type JobStatusFilter = (typeof jobStatuses)[number]["value"];

export function RunnersView() {
  const trpc = useTRPC();
  const { slug, can } = useWorkspace();
  const canManage = can("runners.manage");
  const now = useNow();
  const [showRevoked, setShowRevoked] = useState(false);
  const [adding, setAdding] = useState(false);
  const [jobStatus, setJobStatus] = useState<JobStatusFilter>("");

  // Revoked runners are always fetched (and hidden by the toggle) so jobs they ran still show their names.
  const runners = useQuery(
    trpc.runner.list.queryOptions({ workspaceSlug: slug, includeRevoked: true }, { refetchInterval: LIVE_INTERVAL_MS }),
  );
  const jobs = useQuery(
    trpc.runner.jobs.queryOptions(
      { workspaceSlug: slug, status: jobStatus || undefined, limit: 25 },
      { refetchInterval: LIVE_INTERVAL_MS },
    ),
  );

  const all = useMemo(() => runners.data ?? [], [runners.data]);
  const active = all.filter((r) => r.status !== "revoked");
  const revokedCount = all.length - active.length;
  const shown = showRevoked ? all : active;
  const runnerNames = useMemo(() => new Map(all.map((r) => [r.id, r.name])), [all]);
  const count = (status: string) => active.filter((r) => r.status === status).length;
  const [onlineCount, busyCount, drainingCount, offlineCount] = [count("online"), count("busy"), count("draining"), count("offline")];

  const addButton = canManage ? (
    <Button leadingIcon={<IconPlus />} onClick={() => setAdding(true)}>
      Add runner
    </Button>
  ) : null;

  return (
    <>
      <PageHeader
        title="Runners"
        description="Your own machines that run this workspace's models and sandboxed commands. Each one connects out to Jace, so it needs no open port."
        actions={addButton}
      />

      {all.length > 0 ? (
        <div className="mt-8 flex min-h-9 flex-wrap items-center justify-between gap-3">
          <p className="text-sm text-ink-muted" aria-live="polite">
            {plural(active.length, "runner")} · <span className="text-emerald-700">{onlineCount} online</span>
            {busyCount > 0 ? (
              <>
                {" "}
                · <span className="text-amber-700">{busyCount} busy</span>
              </>
            ) : null}
            {drainingCount > 0 ? <> · {drainingCount} draining</> : null}
            {offlineCount > 0 ? <> · {offlineCount} offline</> : null}
            {!canManage ? <span> · Read only: admins add and manage runners.</span> : null}
          </p>
          {revokedCount > 0 ? (
            <Checkbox label={`Show revoked (${revokedCount})`} checked={showRevoked} onChange={(e) => setShowRevoked(e.target.checked)} />
          ) : null}
        </div>
      ) : null}

      <div className={all.length > 0 ? "mt-4" : "mt-8"}>
        {runners.isPending ? (
          <RunnersSkeleton />
        ) : runners.isError && !runners.data ? (
          <LoadError what="runners" error={runners.error} onRetry={() => runners.refetch()} />
        ) : shown.length === 0 ? (
          <EmptyState
            icon={<IconRunners size={20} />}
            title={revokedCount > 0 ? "No active runners" : "No runners yet"}
            description={
              <>
                Runners are your own machines, such as your PC with an RTX 2070 or a rented GPU box, running the small{" "}
                <code className="font-mono text-[13px]">jace-runner</code> program. They run this workspace&apos;s models and sandboxed
                commands, and connect out to Jace, so they need no open port.
                {canManage ? null : " An admin of this workspace can add one."}
              </>
            }
            action={addButton}
          />
        ) : (
          <div className="flex flex-col gap-4">
            {runners.isError ? <Alert tone="warning">Live updates paused: {runners.error.message}. Retrying…</Alert> : null}
            {shown.map((r) => (
              <RunnerCard key={r.id} runner={r} href={`/w/${slug}/runners/${r.id}`} now={now} />
            ))}
          </div>
        )}
      </div>

      {/* With no runners and no jobs, a second empty state would only repeat the first. */}
      {all.length === 0 && !jobStatus && jobs.data?.length === 0 ? null : (
        <section aria-labelledby="recent-jobs-heading" className="mt-12">
          <div className="flex flex-wrap items-end justify-between gap-3">
            <div>
              <h2 id="recent-jobs-heading" className="text-[15px] leading-6 font-semibold">
                Recent jobs
              </h2>
              <p className="mt-0.5 text-sm text-ink-muted">Model runs and sandboxed commands sent to runners, newest first.</p>
            </div>
            <Select
              label="Status"
              hideLabel
              value={jobStatus}
              onChange={(e) => setJobStatus(e.target.value as JobStatusFilter)}
              options={jobStatuses.map((s) => ({ value: s.value, label: s.label }))}
              containerClassName="w-40"
            />
          </div>
          <div className="mt-4">
            {jobs.isPending ? (
              <Skeleton className="h-40 w-full rounded-card" />
            ) : jobs.isError && !jobs.data ? (
              <LoadError what="jobs" error={jobs.error} onRetry={() => jobs.refetch()} />
            ) : jobs.data.length === 0 ? (
              <EmptyState
                icon={<IconActivity size={20} />}
                title={jobStatus ? "No jobs with this status" : "No jobs yet"}
                description={
                  jobStatus
                    ? "Choose another status to see more."
                    : "Jobs appear here when tasks run a model or a command on a runner, with their status and why a queued one is waiting."
                }
              />
            ) : (
              <JobsTable jobs={jobs.data} runnerNames={runnerNames} caption="Recent jobs on this workspace's runners" />
            )}
          </div>
        </section>
      )}

      {adding ? <AddRunnerDialog onClose={() => setAdding(false)} /> : null}
    </>
  );
}

function RunnersSkeleton() {
  return (
    <div aria-busy="true" aria-label="Loading runners" className="flex flex-col gap-4">
      {[0, 1].map((i) => (
        <div key={i} className="rounded-card border border-line bg-surface shadow-card">
          <div className="flex items-center gap-3 border-b border-line px-5 py-4">
            <Skeleton className="h-5 w-36" />
            <Skeleton className="h-5 w-16 rounded-full" />
          </div>
          <div className="grid gap-8 px-5 py-4 md:grid-cols-[5fr_7fr]">
            <div className="flex flex-col gap-2">
              <Skeleton className="h-3.5 w-40" />
              <Skeleton className="h-1.5 w-full" />
            </div>
            <div className="flex flex-wrap gap-2">
              <Skeleton className="h-6 w-44" />
              <Skeleton className="h-6 w-36" />
            </div>
          </div>
        </div>
      ))}
    </div>
  );
}
