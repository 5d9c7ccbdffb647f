import { withTask } from "@/server/api/rest-input";
import { reply } from "@/server/api/rest-schemas";
import { taskDetailOutput } from "@/server/features/tasks/schemas";
import { getTask } from "@/server/features/tasks/tasks";

/** GET /api/v1/tasks/{id}: one task with its steps, artifacts and replays. */
export const GET = withTask(async (_req, { db, principal, task }) =>
  reply(taskDetailOutput, await getTask(db, principal.workspace.id, task.id)),
);
