"use client";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useCallback, useMemo } from "react";
import { taskKinds, taskSources, taskStatuses, type TaskKind, type TaskSource, type TaskStatus } from "@/server/features/tasks/schemas";

export type TaskFilters = { status?: TaskStatus; projectId?: string; source?: TaskSource; kind?: TaskKind };
export type FilterKey = keyof TaskFilters;

/** URL parameter of each filter: the list is shareable and survives a reload. */
const params: Record<FilterKey, string> = { status: "status", projectId: "project", source: "source", kind: "kind" };

function pick<T extends string>(values: readonly T[], value: string | null): T | undefined {
  return values.includes(value as T) ? (value as T) : undefined;
}

/** Reads the list's filters from the query string (unknown values are ignored) and writes them back. */
export function useTaskFilters(): {
  filters: TaskFilters;
  setFilter: (key: FilterKey, value: string | undefined) => void;
  clear: () => void;
  active: boolean;
} {
  const search = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();

  const filters = useMemo<TaskFilters>(() => {
    const project = search.get(params.projectId);
    return {
      status: pick(taskStatuses, search.get(params.status)),
      projectId: project && project.length <= 64 ? project : undefined,
      source: pick(taskSources, search.get(params.source)),
      kind: pick(taskKinds, search.get(params.kind)),
    };
  }, [search]);

  const setFilter = useCallback(
    (key: FilterKey, value: string | undefined) => {
      const next = new URLSearchParams(search.toString());
      if (value) next.set(params[key], value);
      else next.delete(params[key]);
      const query = next.toString();
      router.replace(query ? `${pathname}?${query}` : pathname, { scroll: false });
    },
    [search, router, pathname],
  );

  const clear = useCallback(() => router.replace(pathname, { scroll: false }), [router, pathname]);
  const active = Boolean(filters.status || filters.projectId || filters.source || filters.kind);
  return { filters, setFilter, clear, active };
}
