"use client";
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { coalesce } from "@/app/_lib/coalesce";
import { rereadQueries } from "@/app/_lib/reread";
import { useTRPC } from "@/app/_lib/trpc";

/** Without the event stream (a proxy that buffers it, an old browser), the list still refreshes this often. */
export const FALLBACK_REFRESH_MS = 10_000;

/**
 * Keeps the task list and counts current: the workspace's event stream says which tasks changed
 * and the list re-reads. Returns whether the stream is connected, so callers poll while it is not.
 */
export function useLiveTasks(slug: string): boolean {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [connected, setConnected] = useState(false);

  useEffect(() => {
    if (typeof EventSource === "undefined") return;
    const source = new EventSource(`/api/w/${encodeURIComponent(slug)}/tasks/events`);
    // One read at a time, and one more after it when events arrived meanwhile (see coalesce);
    // each starts after the event, even while the list's first load is on the way (see rereadQueries).
    const refresh = coalesce(() =>
      rereadQueries(queryClient, { queryKey: trpc.task.list.pathKey() }, { queryKey: trpc.task.counts.pathKey() }),
    );
    source.addEventListener("ready", () => setConnected(true));
    source.addEventListener("tasks", refresh);
    source.onerror = () => setConnected(false);
    return () => source.close();
  }, [slug, queryClient, trpc]);

  return connected;
}
