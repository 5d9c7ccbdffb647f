import { AppError } from "@/server/errors";
import type { Task } from "@/server/generated/prisma/client";
import { inputHash } from "../idempotency/once";
import type { CreateTaskInput } from "./schemas";

/**
 * A repeated form key returns the first task; this refuses the repeat when it asks for something
 * else, since answering with the first task would silently drop the new request. (The REST API
 * documents the opposite for its Idempotency-Key: the first task whatever the body.)
 */
export function assertSameTaskRequest(task: Task, input: CreateTaskInput): void {
  const same =
    inputHash(task.input) === inputHash(input.task) &&
    (!input.projectId || input.projectId === task.projectId) &&
    (!input.title || input.title === task.title) &&
    (!input.requireApproval || task.requiresApproval);
  if (!same) {
    throw new AppError(
      "UNPROCESSABLE",
      `This form was already submitted as task #${task.number} with other values. Reload the page to start a new task.`,
    );
  }
}
