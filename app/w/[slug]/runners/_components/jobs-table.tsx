"use client";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import {
  Alert,
  Button,
  ConfirmDialog,
  Spinner,
  Table,
  TableBody,
  TableCaption,
  TableCell,
  TableHead,
  TableHeaderCell,
  TableRow,
} from "@/app/_components/ui";
import { useTRPC } from "@/app/_lib/trpc";
import { useWorkspace } from "../../_components/workspace-context";
import { formatDateTime, formatDuration, formatRelative } from "./format";
import { isCancellable, JobStatusBadge, jobKindLabel, type Job } from "./status-badges";
import { useNow } from "./live";

type Props = {
  jobs: Job[];
  caption: string;
  /** Names of the workspace's runners by id; omit on a runner's own page to drop the column. */
  runnerNames?: Map<string, string>;
};

/** Recent runner jobs, with Cancel for admins on jobs that have not finished. */
export function JobsTable({ jobs, caption, runnerNames }: Props) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { slug, can } = useWorkspace();
  const canManage = can("runners.manage");
  const now = useNow(5_000);
  const [cancelling, setCancelling] = useState<Job | null>(null);
  // A running job stays "running" until its runner confirms the stop; remember what we asked for meanwhile.
  const [requested, setRequested] = useState<ReadonlySet<string>>(new Set());
  const cancel = useMutation(
    trpc.runner.cancelJob.mutationOptions({
      onSuccess: async (_data, input) => {
        setRequested((s) => new Set(s).add(input.jobId));
        setCancelling(null);
        await Promise.all([
          queryClient.invalidateQueries({ queryKey: trpc.runner.jobs.queryKey() }),
          queryClient.invalidateQueries({ queryKey: trpc.runner.get.queryKey() }),
          queryClient.invalidateQueries({ queryKey: trpc.runner.list.queryKey() }),
        ]);
      },
    }),
  );
  const showActions = canManage && jobs.some((j) => isCancellable(j.status));

  return (
    <>
      <Table>
        <TableCaption>{caption}</TableCaption>
        <TableHead>
          <tr>
            <TableHeaderCell>Job</TableHeaderCell>
            <TableHeaderCell>Status</TableHeaderCell>
            {runnerNames ? <TableHeaderCell>Runner</TableHeaderCell> : null}
            <TableHeaderCell>Details</TableHeaderCell>
            <TableHeaderCell>Created / duration</TableHeaderCell>
            {showActions ? (
              <TableHeaderCell className="text-right">
                <span className="sr-only">Actions</span>
              </TableHeaderCell>
            ) : null}
          </tr>
        </TableHead>
        <TableBody>
          {jobs.map((job) => (
            <TableRow key={job.id} data-testid="job-row">
              <TableCell className="whitespace-nowrap">
                <div className="font-medium">{jobKindLabel(job.kind)}</div>
                <div className="text-xs text-ink-subtle">
                  <span className="font-mono" title={job.id}>
                    {job.id.slice(-8)}
                  </span>
                  {job.attempt > 0 ? <> · attempt {job.attempt}</> : null}
                </div>
              </TableCell>
              <TableCell>
                <JobStatusBadge status={job.status} />
              </TableCell>
              {runnerNames ? (
                <TableCell className="max-w-40 text-[13px]">
                  {job.runnerId ? (
                    <Link href={`/w/${slug}/runners/${job.runnerId}`} className="block truncate text-accent-700 hover:underline">
                      {runnerNames.get(job.runnerId) ?? "Removed runner"}
                    </Link>
                  ) : (
                    <span className="text-ink-subtle">–</span>
                  )}
                </TableCell>
              ) : null}
              <TableCell className="max-w-80 min-w-52 text-[13px]">
                <JobDetails job={job} />
              </TableCell>
              <TableCell className="text-[13px] whitespace-nowrap">
                <time dateTime={job.createdAt.toISOString()} title={formatDateTime(job.createdAt)} className="text-ink">
                  {formatRelative(job.createdAt, now)}
                </time>
                <div className="text-xs text-ink-subtle tabular-nums">
                  <JobDuration job={job} now={now} />
                </div>
              </TableCell>
              {showActions ? (
                <TableCell className="text-right whitespace-nowrap">
                  {isCancellable(job.status) ? (
                    requested.has(job.id) && job.status !== "queued" ? (
                      <span className="inline-flex items-center gap-1.5 text-[13px] text-ink-muted">
                        <Spinner size={14} /> Stopping…
                      </span>
                    ) : (
                      <Button
                        size="sm"
                        variant="ghost"
                        onClick={() => {
                          cancel.reset();
                          setCancelling(job);
                        }}
                        aria-label={`Cancel job ${job.id.slice(-8)}`}
                      >
                        Cancel
                      </Button>
                    )
                  ) : null}
                </TableCell>
              ) : null}
            </TableRow>
          ))}
        </TableBody>
      </Table>

      <ConfirmDialog
        open={cancelling !== null}
        onClose={() => setCancelling(null)}
        onConfirm={() => cancelling && cancel.mutate({ workspaceSlug: slug, jobId: cancelling.id })}
        loading={cancel.isPending}
        tone="danger"
        title="Cancel this job?"
        description={
          cancelling?.status === "queued"
            ? "It leaves the queue and never runs. Whatever asked for it gets a cancelled result."
            : "Its runner is told to stop it now; partial output is discarded. Whatever asked for it gets a cancelled result."
        }
        confirmLabel="Cancel job"
        cancelLabel="Keep it"
      >
        {cancel.error ? <Alert tone="danger">{cancel.error.message}</Alert> : null}
      </ConfirmDialog>
    </>
  );
}

function JobDetails({ job }: { job: Job }) {
  if (job.status === "queued" && job.queuedReason) {
    return (
      <p className="text-amber-800">
        <span className="font-medium">Waiting:</span> {job.queuedReason}
      </p>
    );
  }
  if (job.error) {
    return (
      <p className={job.status === "failed" ? "line-clamp-2 text-red-700" : "line-clamp-2 text-ink-muted"} title={job.error}>
        {job.error}
      </p>
    );
  }
  if (job.status === "queued") return <span className="text-ink-subtle">Waiting for a runner</span>;
  return <span className="text-ink-subtle">–</span>;
}

function JobDuration({ job, now }: { job: Job; now: number }) {
  if (job.startedAt && job.finishedAt) return <>ran {formatDuration(job.finishedAt.getTime() - job.startedAt.getTime())}</>;
  if (job.startedAt) return <>running {formatDuration(now - job.startedAt.getTime())}</>;
  if (job.status === "queued" || job.status === "offered") return <>waiting {formatDuration(now - job.createdAt.getTime())}</>;
  return null;
}
