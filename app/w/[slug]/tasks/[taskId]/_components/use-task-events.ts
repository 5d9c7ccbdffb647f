"use client";
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { coalesce } from "@/app/_lib/coalesce";
import { rereadQueries } from "@/app/_lib/reread";
import { useTRPC, type RouterOutputs } from "@/app/_lib/trpc";

export type LogLine = RouterOutputs["task"]["logs"][number];

/** The browser keeps this many lines; older ones stay in the database (and in the downloadable result). */
const MAX_LINES = 5_000;

type WireLine = Omit<LogLine, "createdAt"> & { createdAt: string };

/**
 * The task page's live feed (GET /api/w/[slug]/tasks/[taskId]/events): log lines as they are
 * written, and a nudge to re-read the task when its status or steps change. EventSource
 * reconnects on its own and resumes after the last line it saw (Last-Event-ID).
 */
export function useTaskEvents(slug: string, taskId: string): { lines: LogLine[]; connected: boolean } {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [lines, setLines] = useState<LogLine[]>([]);
  const [connected, setConnected] = useState(false);

  useEffect(() => {
    if (typeof EventSource === "undefined") return;
    const source = new EventSource(`/api/w/${encodeURIComponent(slug)}/tasks/${encodeURIComponent(taskId)}/events?after=0`);
    source.onopen = () => setConnected(true);
    source.onerror = () => setConnected(false);
    source.addEventListener("logs", (event) => {
      const incoming = (JSON.parse((event as MessageEvent<string>).data) as WireLine[]).map((l) => ({
        ...l,
        createdAt: new Date(l.createdAt),
      }));
      setLines((current) => {
        const last = current.length > 0 ? current[current.length - 1]!.id : 0;
        const fresh = incoming.filter((l) => l.id > last);
        if (fresh.length === 0) return current;
        const next = current.concat(fresh);
        return next.length > MAX_LINES ? next.slice(next.length - MAX_LINES) : next;
      });
    });
    // A change that arrives while the task is being read gets one more read that starts after it
    // (see coalesce and rereadQueries): otherwise the page kept the status from before it.
    const reread = coalesce(() =>
      rereadQueries(
        queryClient,
        { queryKey: trpc.task.get.queryKey({ workspaceSlug: slug, taskId }) },
        { queryKey: trpc.task.list.pathKey() },
      ),
    );
    source.addEventListener("task", reread);
    return () => source.close();
  }, [slug, taskId, queryClient, trpc]);

  return { lines, connected };
}
