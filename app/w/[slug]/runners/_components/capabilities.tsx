import type { Capabilities, GpuInfo, ModelInfo } from "@jace/gpu-runner/protocol";
import { cx, IconAlertTriangle, IconShield } from "@/app/_components/ui";
import { formatBytes, formatUsedOfTotal } from "./format";

/** VRAM in use on one GPU. `stale` greys it out: an offline runner's figures are from its last report. */
export function VramBar({ gpu, stale = false, className }: { gpu: GpuInfo; stale?: boolean; className?: string }) {
  const used = Math.max(0, gpu.vramTotalBytes - gpu.vramFreeBytes);
  const ratio = gpu.vramTotalBytes > 0 ? Math.min(1, used / gpu.vramTotalBytes) : 0;
  const text = formatUsedOfTotal(used, gpu.vramTotalBytes);
  return (
    <div className={cx("flex items-center gap-3", className)}>
      <div
        role="meter"
        aria-label={`VRAM used on ${gpu.name}`}
        aria-valuemin={0}
        aria-valuemax={gpu.vramTotalBytes}
        aria-valuenow={used}
        aria-valuetext={text}
        className="h-1.5 min-w-16 flex-1 overflow-hidden rounded-full bg-zinc-100"
      >
        <div
          className={cx("h-full rounded-full", stale ? "bg-zinc-300" : ratio >= 0.9 ? "bg-amber-500" : "bg-accent-500")}
          style={{ width: `${ratio * 100}%` }}
        />
      </div>
      <span className="shrink-0 text-xs text-ink-muted tabular-nums">{text}</span>
    </div>
  );
}

/** Each GPU's name and VRAM in use. */
export function GpuList({ gpus, stale }: { gpus: GpuInfo[]; stale?: boolean }) {
  if (gpus.length === 0) return <p className="text-[13px] text-ink-subtle">No GPU reported: models run on the CPU.</p>;
  return (
    <ul className="flex flex-col gap-2.5">
      {gpus.map((gpu, i) => (
        <li key={i} className="flex flex-col gap-1">
          <span className="truncate text-[13px] font-medium text-ink" title={gpu.name}>
            {gpu.name}
          </span>
          <VramBar gpu={gpu} stale={stale} />
        </li>
      ))}
    </ul>
  );
}

export function ModelChip({ model }: { model: ModelInfo }) {
  const details = [model.quantization, formatBytes(model.sizeBytes)].filter(Boolean).join(" · ");
  return (
    <span
      className="inline-flex max-w-full min-w-0 flex-wrap items-baseline gap-x-1.5 rounded-md border border-line bg-subtle/60 px-2 py-0.5 text-xs leading-5"
      title={model.contextLength ? `${model.id}, context ${model.contextLength.toLocaleString()} tokens` : model.id}
    >
      <span className="min-w-0 font-mono font-medium break-all text-ink">{model.id}</span>
      <span className="shrink-0 text-ink-subtle">{details}</span>
    </span>
  );
}

export function LabelChips({ labels, empty = "No labels" }: { labels: string[]; empty?: string }) {
  if (labels.length === 0) return <span className="text-[13px] text-ink-subtle">{empty}</span>;
  return (
    <ul className="flex flex-wrap gap-1.5" aria-label="Labels">
      {labels.map((l) => (
        <li key={l} className="rounded bg-zinc-100 px-1.5 font-mono text-xs leading-5 text-zinc-700 ring-1 ring-zinc-200 ring-inset">
          {l}
        </li>
      ))}
    </ul>
  );
}

/** Whether the runner can take sandboxed command jobs; inference needs no sandbox. */
export function SandboxNote({ sandboxes }: { sandboxes: Capabilities["sandboxes"] }) {
  if (sandboxes.includes("bwrap")) {
    return (
      <span className="inline-flex items-start gap-1.5 text-[13px] text-emerald-700">
        <IconShield size={14} className="mt-[3px] shrink-0" />
        <span>
          Sandboxed commands (bubblewrap)
          {sandboxes.includes("none") ? <span className="text-amber-700"> · unsandboxed allowed</span> : null}
        </span>
      </span>
    );
  }
  if (sandboxes.includes("none")) {
    return (
      <span className="inline-flex items-center gap-1.5 text-[13px] text-amber-700">
        <IconAlertTriangle size={14} className="shrink-0" />
        Runs commands without a sandbox
      </span>
    );
  }
  return (
    <span
      className="inline-flex items-center gap-1.5 text-[13px] text-ink-subtle"
      title="Install bubblewrap on the runner to take sandboxed jobs."
    >
      <IconShield size={14} className="shrink-0" />
      No sandbox: inference only
    </span>
  );
}
