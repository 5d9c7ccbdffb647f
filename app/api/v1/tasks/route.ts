import { withApiKey } from "@/server/api/rest";
import { apiKeyActor, clientIp, parseHeader, parseQuery, readJsonBody } from "@/server/api/rest-input";
import { idempotencyKey, listTasksQuery, reply, taskList } from "@/server/api/rest-schemas";
import { createTask } from "@/server/features/tasks/intake";
import { createTaskInput, taskDetailOutput } from "@/server/features/tasks/schemas";
import { getTask, listTasks } from "@/server/features/tasks/tasks";

/** GET /api/v1/tasks: the workspace's tasks, newest first, filtered and paged by cursor. */
export const GET = withApiKey(async (req, { db, principal }) => {
  const query = parseQuery(req, listTasksQuery);
  const { items, nextCursor } = await listTasks(db, principal.workspace.id, query);
  return reply(taskList, { data: items, nextCursor });
});

/**
 * POST /api/v1/tasks: submits a task. With an Idempotency-Key, a repeat returns the first task
 * (200) instead of creating another (201).
 */
export const POST = withApiKey(async (req, { db, principal, log }) => {
  const deliveryId = parseHeader(req, "Idempotency-Key", idempotencyKey);
  const input = await readJsonBody(req, createTaskInput);
  const workspaceId = principal.workspace.id;
  const { task, created } = await createTask(db, workspaceId, apiKeyActor(principal), input, {
    source: "api",
    deliveryId,
    ip: clientIp(req),
  });
  if (created) log.info({ taskId: task.id }, "task created via API");
  return reply(taskDetailOutput, await getTask(db, workspaceId, task.id), {
    status: created ? 201 : 200,
    headers: created ? {} : { "idempotent-replayed": "true" },
  });
});
