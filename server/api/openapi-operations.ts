import type { z } from "zod";
import { MAX_CHAT_BODY_BYTES, MAX_PROMPT_CHARS } from "../llm/openai-compat";
import { listTasksQuery, taskLogsQuery, MAX_JSON_BODY_BYTES } from "./rest-schemas";

/**
 * What REST v1 offers, operation by operation, and the error responses it documents; openapi.ts
 * turns this into the OpenAPI document. Schemas are named here and registered there.
 */

export type JsonSchema = Record<string, unknown>;
export type Status = 200 | 201 | 400 | 401 | 402 | 404 | 409 | 413 | 422 | 429 | 500 | 503;
export type ErrorStatus = Exclude<Status, 200 | 201>;

export type OperationSpec = {
  method: "get" | "post";
  path: string;
  operationId: string;
  tag: "Tasks" | "Workspace" | "Models" | "Meta";
  summary: string;
  description?: string;
  /** No API key needed. */
  public?: true;
  taskId?: true;
  query?: { schema: z.ZodObject; describe: Record<string, string> };
  idempotencyKey?: true;
  body?: { schema: string; required: boolean };
  /** `stream`: the schema of each `data:` event when the response is `text/event-stream` instead. */
  ok: Partial<Record<Status, { description: string; schema: string; stream?: string; headers?: Record<string, JsonSchema> }>>;
  errors: Status[];
  /** Errors in OpenAI's shape (the OpenAI-compatible routes), not Jace's. */
  openAIErrors?: true;
};

export const API_KEY_NOTE =
  "API keys act for their whole workspace (there are no per-key permissions yet), so a key holder can approve and reject plans too.";

export const operations: OperationSpec[] = [
  {
    method: "get",
    path: "/api/v1/workspace",
    operationId: "getWorkspace",
    tag: "Workspace",
    summary: "The workspace this API key belongs to",
    description: "A cheap way to check a key.",
    ok: { 200: { description: "The key's workspace.", schema: "WorkspaceInfo" } },
    errors: [],
  },
  {
    method: "get",
    path: "/api/v1/tasks",
    operationId: "listTasks",
    tag: "Tasks",
    summary: "List tasks, newest first",
    query: {
      schema: listTasksQuery,
      describe: {
        status: "Only tasks in this status.",
        projectId: "Only tasks of this project.",
        source: "Only tasks that arrived through this channel.",
        kind: "Only tasks of this kind.",
        cursor: "The `nextCursor` of the previous page.",
        limit: "Page size.",
      },
    },
    ok: { 200: { description: "One page of tasks.", schema: "TaskList" } },
    errors: [400, 404],
  },
  {
    method: "post",
    path: "/api/v1/tasks",
    operationId: "createTask",
    tag: "Tasks",
    summary: "Submit a task",
    description:
      "Starts the task's pipeline. Without `projectId` the workspace's oldest active project is used. `custom` tasks always wait for approval. " +
      "Send an `Idempotency-Key` to make retries safe: a repeat of a key returns the task it created (200) whatever the body.",
    idempotencyKey: true,
    body: { schema: "CreateTaskRequest", required: true },
    ok: {
      201: { description: "The new task.", schema: "TaskDetail" },
      200: {
        description: "The task created earlier with the same `Idempotency-Key`; nothing new was created.",
        schema: "TaskDetail",
        headers: { "Idempotent-Replayed": { description: "Always `true` on this response.", schema: { type: "string", const: "true" } } },
      },
    },
    errors: [400, 402, 404, 413, 422, 429],
  },
  {
    method: "get",
    path: "/api/v1/tasks/{id}",
    operationId: "getTask",
    tag: "Tasks",
    summary: "Get a task with its steps, artifacts and replays",
    taskId: true,
    ok: { 200: { description: "The task.", schema: "TaskDetail" } },
    errors: [404],
  },
  {
    method: "get",
    path: "/api/v1/tasks/{id}/logs",
    operationId: "listTaskLogs",
    tag: "Tasks",
    summary: "Read a task's log, oldest line first",
    description: "To follow a running task, poll with `after` set to the previous response's `nextAfter`.",
    taskId: true,
    query: {
      schema: taskLogsQuery,
      describe: { after: "Only lines with a greater id.", limit: "At most this many lines." },
    },
    ok: { 200: { description: "Log lines.", schema: "TaskLogList" } },
    errors: [400, 404],
  },
  {
    method: "post",
    path: "/api/v1/tasks/{id}/cancel",
    operationId: "cancelTask",
    tag: "Tasks",
    summary: "Cancel a task that has not finished",
    description: "Stops the pipeline and any runner job of the task. A finished task answers 409.",
    taskId: true,
    ok: { 200: { description: "The cancelled task.", schema: "TaskDetail" } },
    errors: [404, 409],
  },
  {
    method: "post",
    path: "/api/v1/tasks/{id}/approve",
    operationId: "approveTask",
    tag: "Tasks",
    summary: "Approve the plan of a task awaiting approval",
    description: `The pipeline continues with execution. A task not in \`awaiting_approval\` answers 409. ${API_KEY_NOTE}`,
    taskId: true,
    ok: { 200: { description: "The approved task.", schema: "TaskDetail" } },
    errors: [402, 404, 409],
  },
  {
    method: "post",
    path: "/api/v1/tasks/{id}/reject",
    operationId: "rejectTask",
    tag: "Tasks",
    summary: "Reject the plan of a task awaiting approval",
    description: `The task is cancelled with the reason recorded. A task not in \`awaiting_approval\` answers 409. ${API_KEY_NOTE}`,
    taskId: true,
    body: { schema: "RejectTaskRequest", required: false },
    ok: { 200: { description: "The rejected (now cancelled) task.", schema: "TaskDetail" } },
    errors: [400, 402, 404, 409, 413],
  },
  {
    method: "post",
    path: "/api/v1/tasks/{id}/replay",
    operationId: "replayTask",
    tag: "Tasks",
    summary: "Run a task again",
    description:
      "Creates a new task with the same input and project, linked to the original by `replayOfId`. " +
      "Send an `Idempotency-Key` to make retries safe: a repeat of a key returns the replay it created (200); " +
      "a key already used for another task is refused (422).",
    taskId: true,
    idempotencyKey: true,
    ok: {
      201: { description: "The new task.", schema: "TaskDetail" },
      200: {
        description: "The replay created earlier with the same `Idempotency-Key`; nothing new was created.",
        schema: "TaskDetail",
        headers: { "Idempotent-Replayed": { description: "Always `true` on this response.", schema: { type: "string", const: "true" } } },
      },
    },
    errors: [400, 402, 404, 422, 429],
  },
  {
    method: "post",
    path: "/api/v1/chat/completions",
    operationId: "createChatCompletion",
    tag: "Models",
    summary: "Create a chat completion (OpenAI-compatible)",
    description:
      "OpenAI's chat completions API over Jace's model router: point an OpenAI SDK at `<app>/api/v1` with a workspace API key. " +
      "`model` is a catalog model (`fast`, `smart`, `coder`), a model one of the workspace's runners offers, or a cloud model; " +
      "runners serve first and the cloud is a metered fallback under the workspace's budgets. Text content only; " +
      "fields Jace does not implement (`n`, `stop`, `tools`, ...) are ignored. The response's `model` is the model that answered. " +
      "With `stream` the answer is server-sent `chat.completion.chunk` events ending with `data: [DONE]`; the last chunk before the " +
      "optional usage chunk names the serving provider in `jace`. Errors use OpenAI's shape; a spent budget is 429 `insufficient_quota`. " +
      "The optional `X-Jace-Project` header (a project's id or name) applies that project's routing policy and budget; without it the " +
      "workspace's default routing policy applies.",
    body: { schema: "ChatCompletionRequest", required: true },
    ok: {
      200: {
        description: "The completion, or with `stream` its chunks.",
        schema: "ChatCompletion",
        stream: "ChatCompletionChunk",
        headers: {
          "X-Jace-Provider": {
            description: "Who served the call (absent on a stream that started before the provider was known).",
            schema: { type: "string", enum: ["runner", "openai"] },
          },
          "X-Jace-Fallback-Reason": {
            description: "Why the router did not use its first choice, when it did not.",
            schema: { type: "string" },
          },
        },
      },
    },
    errors: [400, 402, 404, 413, 429, 503],
    openAIErrors: true,
  },
  {
    method: "get",
    path: "/api/v1/models",
    operationId: "listModels",
    tag: "Models",
    summary: "List the models this workspace can call (OpenAI-compatible)",
    description: "The catalog's models, every model the workspace's runners offer, and the cloud models when an OpenAI key is configured.",
    ok: { 200: { description: "The models.", schema: "ModelList" } },
    errors: [],
    openAIErrors: true,
  },
  {
    method: "get",
    path: "/api/v1/openapi.json",
    operationId: "getOpenApiDocument",
    tag: "Meta",
    summary: "This document",
    public: true,
    ok: { 200: { description: "The OpenAPI 3.1 document of the REST API.", schema: "OpenApiDocument" } },
    errors: [],
  },
];

export const errorResponses: Partial<Record<ErrorStatus, { name: string; description: string }>> = {
  400: { name: "BadRequest", description: "The body, query or a header is invalid; `details.issues` lists each problem with its path." },
  401: { name: "Unauthorized", description: "The API key is missing, unknown or revoked." },
  404: { name: "NotFound", description: "No such task (or project) in the key's workspace." },
  409: { name: "Conflict", description: "The task is not in a state that allows this." },
  413: { name: "PayloadTooLarge", description: `The body is larger than ${MAX_JSON_BODY_BYTES / 1024} KB; nothing was stored.` },
  422: { name: "Unprocessable", description: "The request is valid but the workspace cannot take it (no project yet, or it is archived)." },
  402: {
    name: "QuotaExceeded",
    description:
      "A plan limit stops the task (monthly tasks, concurrent tasks) or the workspace is read-only after a failed payment; " +
      "`details` names the limit, the current figure and the maximum, and the message says how to raise it. " +
      "A read-only workspace still answers reads and cancellations.",
  },
  429: {
    name: "RateLimited",
    description: "The workspace's requests per minute are used up; `Retry-After` says how many seconds to wait.",
  },
  500: { name: "InternalError", description: "Something failed on Jace's side; quote `requestId` when reporting it." },
};

/** The same failures in OpenAI's error shape, for the OpenAI-compatible routes. */
export const openAIErrorResponses: Partial<Record<ErrorStatus, { name: string; description: string }>> = {
  400: {
    name: "OpenAIBadRequest",
    description:
      "Invalid JSON or fields (`param` names the field), an invalid JSON schema or one the serving runner cannot follow " +
      `(\`invalid_json_schema\`), or messages over ${MAX_PROMPT_CHARS.toLocaleString("en-US")} characters in all or too long ` +
      "for every fitting model's context window (`context_length_exceeded`).",
  },
  401: { name: "OpenAIUnauthorized", description: "The API key is missing, unknown or revoked (`invalid_api_key`)." },
  402: {
    name: "OpenAIPaymentRequired",
    description:
      "The workspace is read-only after a failed payment (`payment_required`, with `x-should-retry: false`); update the payment method.",
  },
  404: { name: "OpenAINotFound", description: "No such model for this workspace (`model_not_found`)." },
  413: {
    name: "OpenAIPayloadTooLarge",
    description: `The body is larger than ${MAX_CHAT_BODY_BYTES / 1024 / 1024} MB (\`request_too_large\`).`,
  },
  429: {
    name: "OpenAIInsufficientQuota",
    description:
      "The cloud budget is spent and no runner can serve the model (`insufficient_quota`, with `x-should-retry: false`). Nothing was charged.",
  },
  500: { name: "OpenAIInternalError", description: "Something failed on Jace's side; the message carries the request id." },
  503: {
    name: "OpenAIUnavailable",
    description:
      "No provider could serve the call (`no_provider_available`); the message lists each attempt. " +
      "`x-should-retry: false` when none failed but none is online or configured for the model.",
  },
};
