"use client";
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { Alert, Button, EmptyState, IconPlus, IconTasks, LoadError, PageHeader, Skeleton } from "@/app/_components/ui";
import { useTRPC } from "@/app/_lib/trpc";
import { useWorkspace } from "../../_components/workspace-context";
import { useNow } from "../../runners/_components/live";
import { TaskFilters } from "./task-filters";
import { TasksTable } from "./tasks-table";
import { FALLBACK_REFRESH_MS, useLiveTasks } from "./use-live-tasks";
import { useTaskFilters } from "./use-task-filters";

const PAGE_SIZE = 25;

export function TasksView() {
  const trpc = useTRPC();
  const { slug, can } = useWorkspace();
  const canCreate = can("tasks.create");
  const now = useNow(5_000);
  const live = useLiveTasks(slug);
  const refetchInterval = live ? false : FALLBACK_REFRESH_MS;
  const { filters, setFilter, clear, active } = useTaskFilters();

  const counts = useQuery(trpc.task.counts.queryOptions({ workspaceSlug: slug }, { refetchInterval }));
  const projects = useQuery(trpc.project.list.queryOptions({ workspaceSlug: slug, includeArchived: true }));
  const tasks = useInfiniteQuery(
    trpc.task.list.infiniteQueryOptions(
      { workspaceSlug: slug, limit: PAGE_SIZE, ...filters },
      { getNextPageParam: (page) => page.nextCursor ?? undefined, refetchInterval, placeholderData: (previous) => previous },
    ),
  );

  const items = tasks.data?.pages.flatMap((p) => p.items) ?? [];
  const total = counts.data ? Object.values(counts.data).reduce((a, b) => a + b, 0) : null;
  const newTask = canCreate ? (
    <Button href={`/w/${slug}/tasks/new`} leadingIcon={<IconPlus />}>
      New task
    </Button>
  ) : null;

  return (
    <>
      <PageHeader
        title="Tasks"
        description="Every request to Jace, from the web, the API and your team's channels, runs as a task: analyze, plan, approve, run on a runner, deliver."
        actions={newTask}
      />

      {total === 0 && !active ? (
        <EmptyState
          className="mt-8"
          icon={<IconTasks size={20} />}
          title="No tasks yet"
          description={
            canCreate
              ? "Ask a question about your code, have a repository's tests run, or describe custom work. Jace plans it, waits for approval when it should, and runs it on your runners."
              : "Tasks your team starts from the web, the API or chat show up here. Viewers can follow them but not start them."
          }
          action={
            canCreate ? (
              <Button href={`/w/${slug}/tasks/new`} leadingIcon={<IconPlus />}>
                Start your first task
              </Button>
            ) : null
          }
        />
      ) : (
        <>
          <div className="mt-8">
            <TaskFilters
              filters={filters}
              counts={counts.data}
              projects={projects.data ?? []}
              onChange={setFilter}
              onClear={clear}
              active={active}
            />
          </div>
          <div className="mt-4" aria-busy={tasks.isFetching}>
            {tasks.isPending ? (
              <TasksSkeleton />
            ) : tasks.isError && !tasks.data ? (
              <LoadError what="tasks" error={tasks.error} onRetry={() => tasks.refetch()} />
            ) : items.length === 0 ? (
              <EmptyState
                icon={<IconTasks size={20} />}
                title="No tasks match these filters"
                description="Try another status, project, source or kind."
                action={
                  <Button variant="secondary" onClick={clear}>
                    Clear filters
                  </Button>
                }
              />
            ) : (
              <div className="flex flex-col gap-4">
                {tasks.isError ? <Alert tone="warning">Live updates paused: {tasks.error.message}. Retrying…</Alert> : null}
                <TasksTable tasks={items} slug={slug} now={now} />
                {tasks.hasNextPage ? (
                  <div className="flex justify-center">
                    <Button variant="secondary" onClick={() => tasks.fetchNextPage()} loading={tasks.isFetchingNextPage}>
                      Load more
                    </Button>
                  </div>
                ) : items.length > PAGE_SIZE ? (
                  <p className="text-center text-[13px] text-ink-subtle">That is every task{active ? " matching these filters" : ""}.</p>
                ) : null}
              </div>
            )}
          </div>
        </>
      )}
    </>
  );
}

export function TasksSkeleton() {
  return (
    <div aria-label="Loading tasks" className="overflow-hidden rounded-card border border-line bg-surface shadow-card">
      <div className="h-10 border-b border-line bg-subtle/70" />
      {Array.from({ length: 6 }, (_, i) => (
        <div key={i} className="flex items-center gap-6 border-b border-line px-5 py-3.5 last:border-b-0">
          <Skeleton className="h-4 w-8" />
          <div className="flex flex-1 flex-col gap-1.5">
            <Skeleton className="h-4 w-3/5" />
            <Skeleton className="h-3 w-2/5" />
          </div>
          <Skeleton className="h-5.5 w-24 rounded-full" />
          <Skeleton className="hidden h-4 w-20 sm:block" />
        </div>
      ))}
    </div>
  );
}
