import { apiKeyActor, clientIp, withTask } from "@/server/api/rest-input";
import { reply } from "@/server/api/rest-schemas";
import { replayTask } from "@/server/features/tasks/intake";
import { taskDetailOutput } from "@/server/features/tasks/schemas";
import { getTask } from "@/server/features/tasks/tasks";

/** POST /api/v1/tasks/{id}/replay: a new task with the same input, linked by `replayOfId`. */
export const POST = withTask(async (req, { db, principal, task }) => {
  const replay = await replayTask(db, principal.workspace.id, apiKeyActor(principal), task.id, clientIp(req));
  return reply(taskDetailOutput, await getTask(db, principal.workspace.id, replay.id), { status: 201 });
});
