import Link from "next/link";
import { Badge, Card, cx, IconChevronRight } from "@/app/_components/ui";
import { GpuList, LabelChips, ModelChip, SandboxNote } from "./capabilities";
import { formatBackend, formatDateTime, formatMemory, formatPlatform, formatRelative, plural } from "./format";
import { JobStatusBadge, jobKindLabel, RunnerStatusBadge, type Runner } from "./status-badges";

const MODELS_SHOWN = 4;

/** One runner on the list: presence, hardware, models, labels and what it is doing now. */
export function RunnerCard({ runner, href, now }: { runner: Runner; href: string; now: number }) {
  const caps = runner.capabilities;
  const inactive = runner.status === "offline" || runner.status === "revoked";
  return (
    <Card
      data-testid="runner-row"
      data-runner-id={runner.id}
      className={cx("overflow-hidden", runner.status === "revoked" && "bg-subtle/50")}
    >
      <div className="flex items-start justify-between gap-4 border-b border-line px-5 py-3.5">
        <div className="min-w-0 flex-1">
          <div className="flex flex-wrap items-center gap-x-2.5 gap-y-1">
            <h3 className="min-w-0 text-[15px] leading-6 font-semibold">
              <Link href={href} className={cx("break-all hover:underline", runner.status === "revoked" ? "text-ink-muted" : "text-ink")}>
                {runner.name}
              </Link>
            </h3>
            <RunnerStatusBadge status={runner.status} />
            <Presence runner={runner} now={now} />
          </div>
          {caps ? (
            <p className="mt-0.5 text-[13px] text-ink-muted">
              {[
                formatBackend(caps.backend),
                formatPlatform(caps.os, caps.arch),
                `${plural(caps.cpu.cores, "core")}`,
                `${formatMemory(caps.ramBytes)} RAM`,
              ].join(" · ")}
            </p>
          ) : null}
        </div>
        <Link
          href={href}
          aria-label={`Details of ${runner.name}`}
          className="-mr-2 inline-flex shrink-0 items-center gap-1 rounded-md px-2 py-1 text-[13px] font-medium text-ink-muted hover:bg-zinc-100 hover:text-ink"
        >
          <span className="hidden sm:inline">Details</span>
          <IconChevronRight size={14} />
        </Link>
      </div>

      {caps ? (
        <div className="grid gap-x-8 gap-y-4 px-5 py-4 md:grid-cols-[minmax(0,5fr)_minmax(0,7fr)]">
          <section aria-label="GPUs">
            <h4 className="mb-2 text-xs font-medium text-ink-subtle">{caps.gpus.length > 1 ? `GPUs (${caps.gpus.length})` : "GPU"}</h4>
            <GpuList gpus={caps.gpus} stale={inactive} />
          </section>
          <section aria-label="Models">
            <h4 className="mb-2 text-xs font-medium text-ink-subtle">Models{caps.models.length > 0 ? ` (${caps.models.length})` : ""}</h4>
            {caps.models.length > 0 ? (
              <ul className="flex flex-wrap gap-1.5">
                {caps.models.slice(0, MODELS_SHOWN).map((m) => (
                  <li key={m.id} className="max-w-full min-w-0">
                    <ModelChip model={m} />
                  </li>
                ))}
                {caps.models.length > MODELS_SHOWN ? (
                  <li>
                    <Link href={href} className="inline-flex h-6 items-center px-1 text-xs font-medium text-accent-700 hover:underline">
                      +{caps.models.length - MODELS_SHOWN} more
                    </Link>
                  </li>
                ) : null}
              </ul>
            ) : (
              <p className="text-[13px] text-ink-subtle">No models downloaded yet.</p>
            )}
          </section>
        </div>
      ) : (
        <p className="px-5 py-4 text-[13px] text-ink-subtle">
          This runner has not reported its hardware yet. It does when it next connects.
        </p>
      )}

      <div className="flex flex-col gap-3 border-t border-line bg-subtle/40 px-5 py-3 sm:flex-row sm:flex-wrap sm:items-center sm:justify-between">
        <div className="flex flex-wrap items-center gap-x-5 gap-y-2">
          <LabelChips labels={runner.labels} />
          {caps ? <SandboxNote sandboxes={caps.sandboxes} /> : null}
        </div>
        <div className="self-start sm:self-auto">
          <CurrentJobs runner={runner} />
        </div>
      </div>
    </Card>
  );
}

/** "last seen 5 minutes ago" for runners that are away; online ones need no timestamp. */
function Presence({ runner, now }: { runner: Runner; now: number }) {
  if (runner.status === "revoked" && runner.revokedAt) {
    return (
      <span className="text-[13px] text-ink-subtle" title={formatDateTime(runner.revokedAt)}>
        revoked {formatRelative(runner.revokedAt, now)}
      </span>
    );
  }
  if (runner.status !== "offline") return null;
  return (
    <span className="text-[13px] text-ink-subtle" title={runner.lastSeenAt ? formatDateTime(runner.lastSeenAt) : undefined}>
      {runner.lastSeenAt ? `last seen ${formatRelative(runner.lastSeenAt, now)}` : "never connected"}
    </span>
  );
}

function CurrentJobs({ runner }: { runner: Runner }) {
  if (runner.currentJobs.length > 0) {
    return (
      <ul className="flex flex-wrap items-center gap-2 text-[13px]" aria-label="Current jobs">
        {runner.currentJobs.map((job) => (
          <li key={job.id} className="flex items-center gap-2">
            <span className="text-ink-muted">{jobKindLabel(job.kind)}</span>
            <JobStatusBadge status={job.status} />
          </li>
        ))}
      </ul>
    );
  }
  if (runner.status === "online") return <Badge>Idle</Badge>;
  return null;
}
