"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { notFound } from "next/navigation";
import { useState, type ReactNode } from "react";
import {
  Alert,
  Button,
  Card,
  CardBody,
  CardHeader,
  ConfirmDialog,
  EmptyState,
  IconActivity,
  IconChevronLeft,
  IconPlus,
  LoadError,
  PageHeader,
  Skeleton,
  SkeletonText,
  Table,
  TableBody,
  TableCaption,
  TableCell,
  TableHead,
  TableHeaderCell,
  TableRow,
} from "@/app/_components/ui";
import { useTRPC, type RouterOutputs } from "@/app/_lib/trpc";
import { useWorkspace } from "../../../_components/workspace-context";
import { AddRunnerDialog } from "../../_components/add-runner-dialog";
import { GpuList, LabelChips, SandboxNote } from "../../_components/capabilities";
import { formatBackend, formatBytes, formatDateTime, formatMemory, formatPlatform, formatRelative, plural } from "../../_components/format";
import { JobsTable } from "../../_components/jobs-table";
import { JobStatusBadge, jobKindLabel, RunnerStatusBadge } from "../../_components/status-badges";
import { LIVE_INTERVAL_MS, useNow } from "../../_components/live";
import { LabelsDialog, RenameDialog } from "./edit-dialogs";

type RunnerWithJobs = RouterOutputs["runner"]["get"];
type Editing = "name" | "labels" | null;

export function RunnerDetailView({ runnerId }: { runnerId: string }) {
  const trpc = useTRPC();
  const { slug } = useWorkspace();
  const runner = useQuery(trpc.runner.get.queryOptions({ workspaceSlug: slug, runnerId }, { refetchInterval: LIVE_INTERVAL_MS }));

  if (runner.isPending) return <DetailSkeleton slug={slug} />;
  if (runner.isError && !runner.data) {
    if (runner.error.data?.code === "NOT_FOUND") notFound();
    return (
      <>
        <BackLink slug={slug} />
        <LoadError what="this runner" error={runner.error} onRetry={() => runner.refetch()} className="mt-4" />
      </>
    );
  }
  return <RunnerDetail runner={runner.data} liveError={runner.isError ? runner.error.message : null} />;
}

function BackLink({ slug }: { slug: string }) {
  return (
    <Link href={`/w/${slug}/runners`} className="inline-flex items-center gap-1 hover:text-ink">
      <IconChevronLeft size={14} /> Runners
    </Link>
  );
}

function RunnerDetail({ runner, liveError }: { runner: RunnerWithJobs; liveError: string | null }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { slug, can } = useWorkspace();
  const canManage = can("runners.manage");
  const now = useNow();
  const [editing, setEditing] = useState<Editing>(null);
  const [confirmRevoke, setConfirmRevoke] = useState(false);
  const [adding, setAdding] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const revoke = useMutation(
    trpc.runner.revoke.mutationOptions({
      onSuccess: async () => {
        await Promise.all([
          queryClient.invalidateQueries({ queryKey: trpc.runner.get.queryKey() }),
          queryClient.invalidateQueries({ queryKey: trpc.runner.list.queryKey() }),
        ]);
        setConfirmRevoke(false);
        setNotice(null);
      },
    }),
  );

  const caps = runner.capabilities;
  const revoked = runner.status === "revoked";
  const live = runner.status === "online" || runner.status === "busy" || runner.status === "draining";

  return (
    <>
      <PageHeader
        eyebrow={<BackLink slug={slug} />}
        title={
          <span className="flex flex-wrap items-center gap-x-3 gap-y-1">
            <span className="break-all">{runner.name}</span>
            <RunnerStatusBadge status={runner.status} />
          </span>
        }
        description={<PresenceLine runner={runner} now={now} />}
        actions={
          canManage && !revoked ? (
            <>
              <Button variant="secondary" onClick={() => setEditing("name")}>
                Rename
              </Button>
              <Button variant="secondary" onClick={() => setEditing("labels")}>
                Edit labels
              </Button>
              <Button
                variant="danger"
                onClick={() => {
                  revoke.reset();
                  setConfirmRevoke(true);
                }}
              >
                Revoke
              </Button>
            </>
          ) : null
        }
      />

      <div className="mt-6 flex flex-col gap-4 empty:hidden">
        {revoked ? (
          <Alert
            tone="danger"
            title={runner.revokedAt ? `Revoked ${formatDateTime(runner.revokedAt)}` : "Revoked"}
            action={
              canManage ? (
                <Button size="sm" variant="secondary" leadingIcon={<IconPlus />} onClick={() => setAdding(true)}>
                  Enroll again
                </Button>
              ) : null
            }
          >
            This runner was disconnected and can never reconnect. To bring the machine back, enroll it again as a new runner.
          </Alert>
        ) : null}
        {notice ? (
          <Alert
            tone="success"
            action={
              <Button size="sm" variant="ghost" onClick={() => setNotice(null)}>
                Dismiss
              </Button>
            }
          >
            {notice}
          </Alert>
        ) : null}
        {liveError ? <Alert tone="warning">Live updates paused: {liveError}. Retrying…</Alert> : null}
      </div>

      <div className="mt-6 grid gap-4 lg:grid-cols-[minmax(0,1fr)_18rem]">
        <div className="flex min-w-0 flex-col gap-4">
          <Card>
            <CardHeader
              title={caps && caps.gpus.length > 1 ? `GPUs (${caps.gpus.length})` : "GPU"}
              description={live ? "VRAM as last reported by the runner." : "As last reported, before the runner went offline."}
            />
            <CardBody>{caps ? <GpuList gpus={caps.gpus} stale={!live} /> : <NoReport />}</CardBody>
          </Card>
          <Card>
            <CardHeader title="System" />
            <CardBody>
              {caps ? (
                <dl className="grid gap-x-8 gap-y-4 sm:grid-cols-2">
                  <Fact label="Backend">{formatBackend(caps.backend)}</Fact>
                  <Fact label="Operating system">{formatPlatform(caps.os, caps.arch)}</Fact>
                  <Fact label="CPU">
                    {caps.cpu.model} <span className="text-ink-muted">· {plural(caps.cpu.cores, "core")}</span>
                  </Fact>
                  <Fact label="Memory">{formatMemory(caps.ramBytes)}</Fact>
                  <Fact label="Runner version">
                    <span className="font-mono text-[13px]">{caps.runnerVersion}</span>
                  </Fact>
                  <Fact label="Concurrent jobs">Up to {caps.maxConcurrentJobs} at a time</Fact>
                  <Fact label="Sandbox" wide>
                    <SandboxNote sandboxes={caps.sandboxes} />
                  </Fact>
                </dl>
              ) : (
                <NoReport />
              )}
            </CardBody>
          </Card>
        </div>

        <div className="flex min-w-0 flex-col gap-4">
          <Card>
            <CardHeader title="Presence" />
            <CardBody>
              <dl className="flex flex-col gap-4">
                <Fact label="Status">
                  <RunnerStatusBadge status={runner.status} />
                </Fact>
                {live && runner.connectedAt ? (
                  <Fact label="Connected since">
                    <TimeAgo date={runner.connectedAt} now={now} />
                  </Fact>
                ) : null}
                <Fact label="Last seen">{runner.lastSeenAt ? <TimeAgo date={runner.lastSeenAt} now={now} /> : "Never connected"}</Fact>
                <Fact label="Enrolled">{formatDateTime(runner.createdAt)}</Fact>
              </dl>
            </CardBody>
          </Card>
          <Card>
            <CardHeader
              title="Labels"
              actions={
                canManage && !revoked ? (
                  <Button size="sm" variant="ghost" onClick={() => setEditing("labels")} aria-label="Edit labels">
                    Edit
                  </Button>
                ) : null
              }
            />
            <CardBody>
              <LabelChips labels={runner.labels} empty="No labels. Jobs that ask for a label will not run here." />
            </CardBody>
          </Card>
          <Card>
            <CardHeader title="Now" />
            <CardBody>
              {runner.currentJobs.length > 0 ? (
                <ul className="flex flex-col gap-2 text-sm">
                  {runner.currentJobs.map((job) => (
                    <li key={job.id} className="flex items-center justify-between gap-2">
                      <span className="truncate">{jobKindLabel(job.kind)}</span>
                      <JobStatusBadge status={job.status} />
                    </li>
                  ))}
                </ul>
              ) : (
                <p className="text-[13px] text-ink-subtle">{live ? "Idle, ready for jobs." : "Not running anything."}</p>
              )}
            </CardBody>
          </Card>
        </div>
      </div>

      <section aria-labelledby="models-heading" className="mt-10">
        <h2 id="models-heading" className="text-[15px] leading-6 font-semibold">
          Models
        </h2>
        <p className="mt-0.5 text-sm text-ink-muted">
          Downloaded on this machine and ready to load. Inference jobs go to a runner that has their model.
        </p>
        <div className="mt-4">
          {caps && caps.models.length > 0 ? (
            <Table>
              <TableCaption>Models on {runner.name}</TableCaption>
              <TableHead>
                <tr>
                  <TableHeaderCell>Model</TableHeaderCell>
                  <TableHeaderCell className="hidden sm:table-cell">Quantization</TableHeaderCell>
                  <TableHeaderCell className="hidden text-right sm:table-cell">Size</TableHeaderCell>
                  <TableHeaderCell className="hidden text-right sm:table-cell">Context</TableHeaderCell>
                </tr>
              </TableHead>
              <TableBody>
                {caps.models.map((m) => (
                  <TableRow key={m.id}>
                    <TableCell>
                      <div className="font-mono text-[13px] font-medium break-all">{m.id}</div>
                      {/* Narrow screens fold the other columns into this line. */}
                      <div className="mt-0.5 text-xs text-ink-muted sm:hidden">
                        {[m.quantization, formatBytes(m.sizeBytes), m.contextLength ? `${m.contextLength.toLocaleString()} tokens` : null]
                          .filter(Boolean)
                          .join(" · ")}
                      </div>
                    </TableCell>
                    <TableCell className="hidden text-[13px] text-ink-muted sm:table-cell">{m.quantization ?? "–"}</TableCell>
                    <TableCell className="hidden text-right text-[13px] whitespace-nowrap text-ink-muted tabular-nums sm:table-cell">
                      {formatBytes(m.sizeBytes)}
                    </TableCell>
                    <TableCell className="hidden text-right text-[13px] whitespace-nowrap text-ink-muted tabular-nums sm:table-cell">
                      {m.contextLength ? `${m.contextLength.toLocaleString()} tokens` : "–"}
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          ) : (
            <EmptyState
              title="No models"
              description={
                caps
                  ? "This runner has no models downloaded, so it can take sandboxed command jobs only."
                  : "This runner has not reported its models yet."
              }
            />
          )}
        </div>
      </section>

      <section aria-labelledby="runner-jobs-heading" className="mt-10">
        <h2 id="runner-jobs-heading" className="text-[15px] leading-6 font-semibold">
          Recent jobs
        </h2>
        <p className="mt-0.5 text-sm text-ink-muted">The last 25 jobs offered to this runner, newest first.</p>
        <div className="mt-4">
          {runner.recentJobs.length > 0 ? (
            <JobsTable jobs={runner.recentJobs} caption={`Recent jobs on ${runner.name}`} />
          ) : (
            <EmptyState icon={<IconActivity size={20} />} title="No jobs yet" description="Jobs this runner takes appear here." />
          )}
        </div>
      </section>

      {editing === "name" ? (
        <RenameDialog
          runnerId={runner.id}
          currentName={runner.name}
          onClose={() => setEditing(null)}
          onSaved={(message) => {
            setEditing(null);
            setNotice(message);
          }}
        />
      ) : null}
      {editing === "labels" ? (
        <LabelsDialog
          runnerId={runner.id}
          currentLabels={runner.labels}
          onClose={() => setEditing(null)}
          onSaved={(message) => {
            setEditing(null);
            setNotice(message);
          }}
        />
      ) : null}

      <ConfirmDialog
        open={confirmRevoke}
        onClose={() => setConfirmRevoke(false)}
        onConfirm={() => revoke.mutate({ workspaceSlug: slug, runnerId: runner.id })}
        loading={revoke.isPending}
        tone="danger"
        title={`Revoke ${runner.name}?`}
        description="The runner is disconnected at once and can never reconnect; enroll it again to bring it back."
        confirmLabel="Revoke runner"
      >
        <div className="flex flex-col gap-3">
          {runner.currentJobs.length > 0 ? (
            <p>
              Its {plural(runner.currentJobs.length, "job")} in progress {runner.currentJobs.length === 1 ? "goes" : "go"} back to the queue
              for another runner.
            </p>
          ) : null}
          {revoke.error ? <Alert tone="danger">{revoke.error.message}</Alert> : null}
        </div>
      </ConfirmDialog>

      {adding ? <AddRunnerDialog onClose={() => setAdding(false)} /> : null}
    </>
  );
}

function PresenceLine({ runner, now }: { runner: RunnerWithJobs; now: number }) {
  if (runner.status === "revoked") return <>Revoked. Its job history stays here for reference.</>;
  if (runner.status === "offline") {
    return runner.lastSeenAt ? (
      <>
        Offline, last seen {formatRelative(runner.lastSeenAt, now)}. It reconnects on its own when the machine and jace-runner are back up.
      </>
    ) : (
      <>Enrolled but never connected. Start it on the machine with jace-runner start.</>
    );
  }
  const since = runner.connectedAt ? `, connected ${formatRelative(runner.connectedAt, now)}` : "";
  return (
    <>
      {runner.status === "draining"
        ? `Draining${since}: stopping, finishing ${plural(runner.currentJobs.length, "job")} and taking no new ones.`
        : runner.status === "busy"
          ? `Busy${since}: running ${plural(runner.currentJobs.length, "job")}.`
          : `Online${since}, ready for jobs.`}
    </>
  );
}

function Fact({ label, children, wide }: { label: string; children: ReactNode; wide?: boolean }) {
  return (
    <div className={wide ? "flex flex-col gap-1 sm:col-span-2" : "flex flex-col gap-1"}>
      <dt className="text-xs font-medium text-ink-subtle">{label}</dt>
      <dd className="text-sm text-ink">{children}</dd>
    </div>
  );
}

function TimeAgo({ date, now }: { date: Date; now: number }) {
  return (
    <time dateTime={date.toISOString()} title={formatDateTime(date)}>
      {formatRelative(date, now)}
    </time>
  );
}

function NoReport() {
  return <p className="text-[13px] text-ink-subtle">Not reported yet. The runner sends its hardware when it connects.</p>;
}

function DetailSkeleton({ slug }: { slug: string }) {
  return (
    <div aria-busy="true" aria-label="Loading runner">
      <div className="border-b border-line pb-6">
        <div className="mb-1.5 text-[13px] font-medium text-ink-subtle">
          <BackLink slug={slug} />
        </div>
        <Skeleton className="h-8 w-56" />
        <SkeletonText className="mt-3 max-w-md" lines={1} />
      </div>
      <div className="mt-6 grid gap-4 lg:grid-cols-[minmax(0,1fr)_18rem]">
        <Skeleton className="h-48 w-full rounded-card" />
        <Skeleton className="h-48 w-full rounded-card" />
      </div>
      <Skeleton className="mt-10 h-40 w-full rounded-card" />
    </div>
  );
}
