"use client";
import { Button, cx, Select } from "@/app/_components/ui";
import type { RouterOutputs } from "@/app/_lib/trpc";
import { taskKinds, taskSources, taskStatuses, type TaskSource } from "@/server/features/tasks/schemas";
import { kindLabels, sourceLabels, statusInfo } from "./task-badges";
import type { FilterKey, TaskFilters as Filters } from "./use-task-filters";

/** Channels that can create tasks today; the others are listed in the schema for when they ship. */
export const builtSources: ReadonlySet<TaskSource> = new Set<TaskSource>(["web", "api", "slack"]);

type Props = {
  filters: Filters;
  counts: RouterOutputs["task"]["counts"] | undefined;
  projects: RouterOutputs["project"]["list"];
  onChange: (key: FilterKey, value: string | undefined) => void;
  onClear: () => void;
  active: boolean;
};

/** Status chips with counts (statuses with no tasks stay out of the way) and selects for the rest. */
export function TaskFilters({ filters, counts, projects, onChange, onClear, active }: Props) {
  const total = counts ? Object.values(counts).reduce((a, b) => a + b, 0) : undefined;
  const shown = taskStatuses.filter((s) => (counts?.[s] ?? 0) > 0 || filters.status === s);

  return (
    <div className="flex flex-col gap-3">
      <div role="group" aria-label="Filter by status" className="flex flex-wrap gap-1.5">
        <Chip selected={!filters.status} onClick={() => onChange("status", undefined)} label="All" count={total} />
        {shown.map((s) => (
          <Chip
            key={s}
            selected={filters.status === s}
            onClick={() => onChange("status", filters.status === s ? undefined : s)}
            label={statusInfo[s].label}
            count={counts?.[s]}
          />
        ))}
      </div>
      <div className="flex flex-wrap items-end gap-2">
        <Select
          label="Project"
          hideLabel
          containerClassName="w-full sm:w-48"
          value={filters.projectId ?? ""}
          onChange={(e) => onChange("projectId", e.target.value || undefined)}
          options={[
            { value: "", label: "All projects" },
            ...projects.map((p) => ({ value: p.id, label: p.archivedAt ? `${p.name} (archived)` : p.name })),
          ]}
        />
        <Select
          label="Source"
          hideLabel
          containerClassName="w-[calc(50%-0.25rem)] sm:w-40"
          value={filters.source ?? ""}
          onChange={(e) => onChange("source", e.target.value || undefined)}
          options={[
            { value: "", label: "All sources" },
            ...taskSources.filter((s) => builtSources.has(s) || filters.source === s).map((s) => ({ value: s, label: sourceLabels[s] })),
          ]}
        />
        <Select
          label="Kind"
          hideLabel
          containerClassName="w-[calc(50%-0.25rem)] sm:w-40"
          value={filters.kind ?? ""}
          onChange={(e) => onChange("kind", e.target.value || undefined)}
          options={[{ value: "", label: "All kinds" }, ...taskKinds.map((k) => ({ value: k, label: kindLabels[k] }))]}
        />
        {active ? (
          <Button variant="ghost" onClick={onClear}>
            Clear filters
          </Button>
        ) : null}
      </div>
    </div>
  );
}

function Chip({ selected, onClick, label, count }: { selected: boolean; onClick: () => void; label: string; count: number | undefined }) {
  return (
    <button
      type="button"
      aria-pressed={selected}
      onClick={onClick}
      className={cx(
        "inline-flex h-8 items-center gap-1.5 rounded-full px-3 text-[13px] font-medium whitespace-nowrap ring-1 transition-colors ring-inset",
        selected
          ? "bg-accent-50 text-accent-700 ring-accent-200"
          : "bg-surface text-ink-muted ring-line-strong hover:bg-subtle hover:text-ink",
      )}
    >
      {label}
      {count !== undefined ? (
        <span
          className={cx(
            "rounded-full px-1.5 text-xs leading-5 tabular-nums",
            selected ? "bg-accent-100 text-accent-700" : "bg-zinc-100 text-ink-subtle",
          )}
        >
          {count}
        </span>
      ) : null}
    </button>
  );
}
