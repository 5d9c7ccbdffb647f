import type { QueryClient, QueryFilters } from "@tanstack/react-query";

/**
 * Re-reads the queries `filters` select after a live event said their data changed. Each read must
 * start after the event, since a fetch already in flight may have read the state from before it.
 * Invalidating restarts an in-flight fetch only when the query already has data: a first load in
 * flight is reused as it is, and the page kept the state from before the event (the task page
 * showed "Planning" while its task waited for approval). So wait for first loads, then read again.
 */
export async function rereadQueries(queryClient: QueryClient, ...filters: QueryFilters[]): Promise<void> {
  const cache = queryClient.getQueryCache();
  const firstLoads = filters.flatMap((f) => cache.findAll(f)).filter((q) => q.state.fetchStatus !== "idle" && q.state.data === undefined);
  await Promise.all(firstLoads.map((q) => q.fetch().catch(() => undefined)));
  await Promise.all(filters.map((f) => queryClient.invalidateQueries(f)));
}
