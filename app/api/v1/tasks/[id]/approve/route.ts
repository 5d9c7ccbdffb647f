import { apiKeyActor, clientIp, withTask } from "@/server/api/rest-input";
import { reply } from "@/server/api/rest-schemas";
import { approveTask } from "@/server/features/tasks/decisions";
import { taskDetailOutput } from "@/server/features/tasks/schemas";
import { getTask } from "@/server/features/tasks/tasks";

/** POST /api/v1/tasks/{id}/approve: approves the plan of a task awaiting approval. */
export const POST = withTask(async (req, { db, principal, task }) => {
  await approveTask(db, principal.workspace.id, apiKeyActor(principal), task.id, clientIp(req));
  return reply(taskDetailOutput, await getTask(db, principal.workspace.id, task.id));
});
