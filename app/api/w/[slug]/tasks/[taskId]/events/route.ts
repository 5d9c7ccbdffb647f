import { z } from "zod";
import { AppError } from "@/server/errors";
import { listTaskLogs } from "@/server/features/tasks/tasks";
import { onTaskEvent, startBus } from "@/server/runners/bus";
import { logCursor, sseResponse } from "../../../../_lib/sse";
import { withWorkspaceMember } from "../../../../_lib/workspace-route";

export const dynamic = "force-dynamic";

const PAGE = 200;
const taskId = z.string().min(1).max(64);

/**
 * GET /api/w/[slug]/tasks/[taskId]/events: the task page's live feed. `event: logs` carries new
 * log lines after the cursor (the event id is the last line's id, so a reconnect resumes where
 * it stopped); `event: task` says the task's status or steps changed and the page re-reads it.
 */
export const GET = withWorkspaceMember<{ slug: string; taskId: string }>("workspace.read", async (req, { db, workspace, params, log }) => {
  const id = taskId.safeParse(params.taskId);
  const task = id.success ? await db.task.findFirst({ where: { id: id.data, workspaceId: workspace.id }, select: { id: true } }) : null;
  if (!task) throw new AppError("NOT_FOUND", "Task not found in this workspace.");
  await startBus();
  let cursor = logCursor(req);

  return sseResponse(req, (stream) => {
    let signature = "";
    let running = false;
    let again = false;

    /** Sends what changed since the last pass; bus events during a pass cause one more pass. */
    const pump = async () => {
      if (running) {
        again = true;
        return;
      }
      running = true;
      try {
        do {
          again = false;
          for (;;) {
            const lines = await listTaskLogs(db, workspace.id, task.id, { afterId: cursor, limit: PAGE });
            if (stream.closed || lines.length === 0) break;
            cursor = lines[lines.length - 1]!.id;
            stream.send("logs", lines, cursor);
            if (lines.length < PAGE) break;
          }
          const state = await db.task.findUnique({
            where: { id: task.id },
            select: {
              status: true,
              updatedAt: true,
              steps: { select: { name: true, status: true, attempts: true, finishedAt: true } },
              _count: { select: { artifacts: true, replays: true } },
            },
          });
          const next = JSON.stringify(state);
          if (state && next !== signature && !stream.closed) {
            signature = next;
            stream.send("task", { taskId: task.id, status: state.status });
          }
        } while (again && !stream.closed);
      } catch (err) {
        log.warn({ err, taskId: task.id }, "task event stream failed; the browser reconnects");
        stream.close();
      } finally {
        running = false;
      }
    };

    const off = onTaskEvent((e) => {
      if (e.taskId === task.id && e.workspaceId === workspace.id) void pump();
    });
    void pump();
    return off;
  });
});
