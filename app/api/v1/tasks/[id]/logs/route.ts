import { parseQuery, withTask } from "@/server/api/rest-input";
import { reply, taskLogList, taskLogsQuery } from "@/server/api/rest-schemas";
import { listTaskLogs } from "@/server/features/tasks/tasks";

/** GET /api/v1/tasks/{id}/logs?after=: log lines after a line id, oldest first (poll with `nextAfter`). */
export const GET = withTask(async (req, { db, principal, task }) => {
  const { after, limit } = parseQuery(req, taskLogsQuery);
  const lines = await listTaskLogs(db, principal.workspace.id, task.id, { afterId: after, limit });
  return reply(taskLogList, { data: lines, nextAfter: lines.at(-1)?.id ?? after ?? null });
});
