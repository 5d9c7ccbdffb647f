import { z } from "zod";
import { appErrorCodes, type AppErrorCode } from "../errors";
import { listTasksInput, taskLogOutput, taskOutput } from "../features/tasks/schemas";

/**
 * The REST v1 wire format beyond the task schemas themselves: query strings, small bodies, list
 * envelopes and the error body. Route handlers parse with these and `server/api/openapi.ts`
 * documents them, so the document cannot drift from what the routes accept.
 */

export const MAX_JSON_BODY_BYTES = 64 * 1024;

/** Query strings carry text: numbers are coerced. */
export const listTasksQuery = listTasksInput.extend({
  limit: z.coerce.number().int().min(1).max(100).default(25),
});

export const taskLogsQuery = z.object({
  after: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(500),
});

export const rejectTaskBody = z.object({
  reason: z.string().trim().max(1000, "Keep the reason under 1,000 characters.").optional(),
});

export const idempotencyKey = z
  .string()
  .regex(/^[\x21-\x7e]{1,200}$/, "Use 1 to 200 visible ASCII characters, such as a UUID.")
  .optional();

export const taskList = z.object({
  data: z.array(taskOutput),
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: z.string().nullable(),
});

export const taskLogList = z.object({
  data: z.array(taskLogOutput),
  /** The last line's id (or the `after` sent when there is nothing new): pass it as `after` to poll. */
  nextAfter: z.number().nullable(),
});

export const workspaceInfo = z.object({
  workspace: z.object({ id: z.string(), slug: z.string(), name: z.string(), plan: z.string() }),
  apiKey: z.object({ id: z.string(), name: z.string() }),
});

export const restIssue = z.object({
  path: z.array(z.union([z.string(), z.number()])),
  code: z.string(),
  message: z.string(),
});

/** `ErrorBody` in server/errors.ts, as a schema for the document. */
export const errorBody = z.object({
  error: z.object({
    code: z.enum(Object.keys(appErrorCodes) as [AppErrorCode, ...AppErrorCode[]]),
    message: z.string(),
    requestId: z.string(),
    details: z
      .object({ issues: z.array(restIssue).optional() })
      .catchall(z.unknown())
      .optional(),
  }),
});

/** A JSON response whose body is checked against (and trimmed to) the documented schema. */
export function reply<S extends z.ZodType>(schema: S, data: z.input<S>, init?: ResponseInit): Response {
  return Response.json(schema.parse(data), init);
}
