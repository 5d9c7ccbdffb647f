import { Badge, type BadgeTone } from "@/app/_components/ui";
import type { RouterOutputs } from "@/app/_lib/trpc";

export type Runner = RouterOutputs["runner"]["list"][number];
export type RunnerStatus = Runner["status"];
export type Job = RouterOutputs["runner"]["jobs"][number];

const runnerStatus: Record<RunnerStatus, { tone: BadgeTone; label: string; pulse: boolean }> = {
  online: { tone: "success", label: "Online", pulse: true },
  busy: { tone: "warning", label: "Busy", pulse: true },
  draining: { tone: "info", label: "Draining", pulse: true },
  offline: { tone: "neutral", label: "Offline", pulse: false },
  revoked: { tone: "danger", label: "Revoked", pulse: false },
};

/** Narrows a status the server sends as a plain string (enrollment status); unknown ones read as offline. */
export function toRunnerStatus(status: string): RunnerStatus {
  return status in runnerStatus ? (status as RunnerStatus) : "offline";
}

export function RunnerStatusBadge({ status }: { status: RunnerStatus }) {
  const s = runnerStatus[status];
  return (
    <Badge tone={s.tone} dot pulse={s.pulse} data-status={status}>
      {s.label}
    </Badge>
  );
}

const jobStatus: Record<string, { tone: BadgeTone; label: string; pulse?: boolean }> = {
  queued: { tone: "neutral", label: "Queued" },
  offered: { tone: "info", label: "Offered", pulse: true },
  running: { tone: "accent", label: "Running", pulse: true },
  succeeded: { tone: "success", label: "Succeeded" },
  failed: { tone: "danger", label: "Failed" },
  cancelled: { tone: "neutral", label: "Cancelled" },
};

export function JobStatusBadge({ status }: { status: string }) {
  const s = jobStatus[status] ?? { tone: "neutral" as const, label: status };
  return (
    <Badge tone={s.tone} dot={Boolean(s.pulse)} pulse={s.pulse}>
      {s.label}
    </Badge>
  );
}

/** Queued and offered jobs can still be cancelled, and so can running ones (the runner is told to stop). */
export function isCancellable(status: string): boolean {
  return status === "queued" || status === "offered" || status === "running";
}

const jobKinds: Record<string, string> = { inference: "Inference", sandbox: "Sandboxed command" };

export function jobKindLabel(kind: string): string {
  return jobKinds[kind] ?? kind;
}
