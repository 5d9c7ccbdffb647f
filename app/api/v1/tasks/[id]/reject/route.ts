import { apiKeyActor, clientIp, readJsonBody, withTask } from "@/server/api/rest-input";
import { rejectTaskBody, reply } from "@/server/api/rest-schemas";
import { rejectTask } from "@/server/features/tasks/decisions";
import { taskDetailOutput } from "@/server/features/tasks/schemas";
import { getTask } from "@/server/features/tasks/tasks";

/** POST /api/v1/tasks/{id}/reject: rejects the plan of a task awaiting approval, which cancels it. */
export const POST = withTask(async (req, { db, principal, task }) => {
  const { reason } = await readJsonBody(req, rejectTaskBody);
  await rejectTask(db, principal.workspace.id, apiKeyActor(principal), task.id, reason ?? "", clientIp(req));
  return reply(taskDetailOutput, await getTask(db, principal.workspace.id, task.id));
});
