import { apiKeyActor, clientIp, parseHeader, withTask } from "@/server/api/rest-input";
import { idempotencyKey, reply } from "@/server/api/rest-schemas";
import { replayTask } from "@/server/features/tasks/intake";
import { taskDetailOutput } from "@/server/features/tasks/schemas";
import { getTask } from "@/server/features/tasks/tasks";

/**
 * POST /api/v1/tasks/{id}/replay: a new task with the same input, linked by `replayOfId`. With an
 * Idempotency-Key, a repeat returns the first replay (200) instead of creating another (201); a key
 * already used for another task is refused (422).
 */
export const POST = withTask(async (req, { db, principal, task }) => {
  const deliveryId = parseHeader(req, "Idempotency-Key", idempotencyKey);
  const { task: replay, created } = await replayTask(
    db,
    principal.workspace.id,
    apiKeyActor(principal),
    task.id,
    clientIp(req),
    deliveryId,
  );
  return reply(taskDetailOutput, await getTask(db, principal.workspace.id, replay.id), {
    status: created ? 201 : 200,
    headers: created ? {} : { "idempotent-replayed": "true" },
  });
});
