import { onTaskEvent, startBus } from "@/server/runners/bus";
import { sseResponse } from "../../../_lib/sse";
import { withWorkspaceMember } from "../../../_lib/workspace-route";

export const dynamic = "force-dynamic";

/** Changes within this window are sent as one event, so a streaming task costs the list one refetch. */
const BATCH_MS = 500;

/**
 * GET /api/w/[slug]/tasks/events: the task list's live feed. `event: tasks` names the tasks of
 * this workspace that changed (created, moved on, finished); the list re-reads its page.
 */
export const GET = withWorkspaceMember<{ slug: string }>("workspace.read", async (req, { workspace }) => {
  await startBus();
  return sseResponse(req, (stream) => {
    const changed = new Set<string>();
    let timer: NodeJS.Timeout | null = null;
    const off = onTaskEvent((e) => {
      if (e.workspaceId !== workspace.id) return;
      changed.add(e.taskId);
      timer ??= setTimeout(() => {
        timer = null;
        stream.send("tasks", { taskIds: [...changed] });
        changed.clear();
      }, BATCH_MS);
    });
    stream.send("ready", {});
    return () => {
      off();
      if (timer) clearTimeout(timer);
    };
  });
});
