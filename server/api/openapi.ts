import { z } from "zod";
import {
  MAX_CHAT_BODY_BYTES,
  MAX_PROMPT_CHARS,
  chatCompletionChunkOutput,
  chatCompletionOutput,
  chatCompletionRequest,
  modelListOutput,
  openAIErrorBody,
} from "../llm/openai-compat";
import { createTaskInput, taskDetailOutput, taskInput, taskLogOutput, taskOutput } from "../features/tasks/schemas";
import {
  MAX_JSON_BODY_BYTES,
  errorBody,
  listTasksQuery,
  rejectTaskBody,
  taskList,
  taskLogList,
  taskLogsQuery,
  workspaceInfo,
} from "./rest-schemas";

/**
 * The OpenAPI 3.1 document of REST v1, generated from the same zod schemas the routes parse and
 * reply with. openapi.test.ts fails when a route under app/api/v1 is missing here.
 */

type JsonSchema = Record<string, unknown>;
type Status = 200 | 201 | 400 | 401 | 402 | 404 | 409 | 413 | 422 | 429 | 500 | 503;
type ErrorStatus = Exclude<Status, 200 | 201>;

type OperationSpec = {
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

const API_KEY_NOTE =
  "API keys act for their whole workspace (there are no per-key permissions yet), so a key holder can approve and reject plans too.";

const operations: OperationSpec[] = [
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
    description: "Creates a new task with the same input and project, linked to the original by `replayOfId`.",
    taskId: true,
    ok: { 201: { description: "The new task.", schema: "TaskDetail" } },
    errors: [402, 404, 422, 429],
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

const errorResponses: Partial<Record<ErrorStatus, { name: string; description: string }>> = {
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
const openAIErrorResponses: Partial<Record<ErrorStatus, { name: string; description: string }>> = {
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

/** JSON Schema for `Date` fields: Response.json writes them as ISO 8601 strings. */
const unrepresentable = ({ zodSchema }: { zodSchema: { _zod: { def: { type: string } } } }) =>
  zodSchema._zod.def.type === "date" ? { type: "string" as const, format: "date-time" } : ("throw" as const);

function schemaComponents(io: "input" | "output", entries: Record<string, z.ZodType>): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(entries)) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, {
    io,
    unrepresentable,
    uri: (id) => `#/components/schemas/${id}`,
    override: ({ jsonSchema }) => {
      // Responses may gain fields in later versions; clients must not treat new fields as an error.
      if (io === "output" && jsonSchema.additionalProperties === false) delete jsonSchema.additionalProperties;
    },
  });
  return Object.fromEntries(
    Object.entries(schemas as Record<string, JsonSchema>).map(([id, { $schema: _s, $id: _i, ...schema }]) => [id, schema]),
  );
}

function allSchemas(): Record<string, JsonSchema> {
  const responses = schemaComponents("output", {
    TaskInput: taskInput,
    Task: taskOutput,
    TaskDetail: taskDetailOutput,
    TaskLog: taskLogOutput,
    TaskList: taskList,
    TaskLogList: taskLogList,
    WorkspaceInfo: workspaceInfo,
    Error: errorBody,
    ChatCompletion: chatCompletionOutput,
    ChatCompletionChunk: chatCompletionChunkOutput,
    ModelList: modelListOutput,
    OpenAIError: openAIErrorBody,
  });
  const requests = schemaComponents("input", {
    TaskInput: taskInput,
    CreateTaskRequest: createTaskInput,
    RejectTaskRequest: rejectTaskBody,
    ChatCompletionRequest: chatCompletionRequest,
  });
  for (const [id, schema] of Object.entries(requests)) {
    if (responses[id] && JSON.stringify(responses[id]) !== JSON.stringify(schema)) {
      throw new Error(`OpenAPI: schema ${id} differs between requests and responses; register them under two names.`);
    }
  }
  return {
    ...responses,
    ...requests,
    OpenApiDocument: { type: "object", description: "An OpenAPI 3.1 document.", required: ["openapi", "paths"] },
  };
}

function queryParameters(query: NonNullable<OperationSpec["query"]>): JsonSchema[] {
  const json = z.toJSONSchema(query.schema, { io: "input", unrepresentable }) as {
    properties?: Record<string, JsonSchema>;
    required?: string[];
  };
  return Object.entries(json.properties ?? {}).map(([name, schema]) => ({
    name,
    in: "query",
    required: json.required?.includes(name) ?? false,
    description: query.describe[name],
    schema,
  }));
}

const jsonContent = (schema: string) => ({ "application/json": { schema: { $ref: `#/components/schemas/${schema}` } } });

function operation(op: OperationSpec): JsonSchema {
  const parameters = [
    ...(op.taskId ? [{ $ref: "#/components/parameters/TaskId" }] : []),
    ...(op.idempotencyKey ? [{ $ref: "#/components/parameters/IdempotencyKey" }] : []),
    ...(op.query ? queryParameters(op.query) : []),
  ];
  const responses: Record<string, unknown> = {};
  for (const [status, ok] of Object.entries(op.ok)) {
    responses[status] = {
      description: ok.description,
      headers: { "X-Request-Id": { $ref: "#/components/headers/RequestId" }, ...ok.headers },
      content: {
        ...jsonContent(ok.schema),
        ...(ok.stream ? { "text/event-stream": { schema: { $ref: `#/components/schemas/${ok.stream}` } } } : {}),
      },
    };
  }
  const errors: Status[] = op.public ? [...op.errors, 500] : [...op.errors, 401, 500];
  const table = op.openAIErrors ? openAIErrorResponses : errorResponses;
  for (const status of [...new Set(errors)].sort((a, b) => a - b)) {
    const error = table[status as ErrorStatus];
    if (!error) throw new Error(`OpenAPI: ${op.operationId} lists ${status}, which has no response defined.`);
    responses[String(status)] = { $ref: `#/components/responses/${error.name}` };
  }
  return {
    operationId: op.operationId,
    tags: [op.tag],
    summary: op.summary,
    ...(op.description ? { description: op.description } : {}),
    ...(op.public ? { security: [] } : {}),
    ...(parameters.length ? { parameters } : {}),
    ...(op.body ? { requestBody: { required: op.body.required, content: jsonContent(op.body.schema) } } : {}),
    responses,
  };
}

function build() {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const op of operations) (paths[op.path] ??= {})[op.method] = operation(op);
  return {
    paths,
    components: {
      schemas: allSchemas(),
      securitySchemes: {
        apiKey: {
          type: "http",
          scheme: "bearer",
          description: `A workspace API key (\`jace_...\`), created under Settings -> API keys. ${API_KEY_NOTE}`,
        },
      },
      parameters: {
        TaskId: {
          name: "id",
          in: "path",
          required: true,
          description: "The task's id, or its number in the workspace (`42`).",
          schema: { type: "string", minLength: 1, maxLength: 64 },
        },
        IdempotencyKey: {
          name: "Idempotency-Key",
          in: "header",
          required: false,
          description:
            "Any unique string per intended task (a UUID). A repeat within the workspace returns the first task instead of creating one.",
          schema: { type: "string", pattern: "^[\\x21-\\x7e]{1,200}$" },
        },
      },
      headers: {
        RequestId: { description: "The request's id; it also appears in error bodies and Jace's logs.", schema: { type: "string" } },
      },
      responses: Object.fromEntries(
        [
          ...Object.values(errorResponses).map((r) => ({ ...r, schema: "Error" })),
          ...Object.values(openAIErrorResponses).map((r) => ({ ...r, schema: "OpenAIError" })),
        ].map(({ name, description, schema }) => [
          name,
          { description, headers: { "X-Request-Id": { $ref: "#/components/headers/RequestId" } }, content: jsonContent(schema) },
        ]),
      ),
    },
  };
}

let built: ReturnType<typeof build> | undefined;

export function openApiDocument(serverUrl: string) {
  built ??= build();
  return {
    openapi: "3.1.0",
    info: {
      title: "Jace REST API",
      version: "1",
      description: [
        "Submit and manage Jace tasks from scripts, CI and other services.",
        "Authenticate with a workspace API key sent as `Authorization: Bearer jace_...`. " + API_KEY_NOTE,
        'Errors are JSON: `{"error": {"code", "message", "requestId", "details"}}`. `code` is stable; `message` is for people; a 400 lists every problem in `details.issues` with its path. ' +
          'The OpenAI-compatible routes (Models) answer in OpenAI\'s shape instead: `{"error": {"message", "type", "param", "code"}}`.',
        `Dates are ISO 8601 strings in UTC. Request bodies are limited to ${MAX_JSON_BODY_BYTES / 1024} KB (chat completions: ${MAX_CHAT_BODY_BYTES / 1024 / 1024} MB).`,
      ].join("\n\n"),
    },
    servers: [{ url: serverUrl }],
    security: [{ apiKey: [] }],
    tags: [
      { name: "Tasks", description: "Requests Jace turns into pipelines: analyze, plan, (approve), execute, deliver." },
      { name: "Workspace", description: "The workspace behind the API key." },
      { name: "Models", description: "OpenAI-compatible model endpoints backed by the workspace's runners and cloud budgets." },
      { name: "Meta", description: "About the API itself." },
    ],
    ...built,
  };
}

/** The documented operations, for the test that keeps the document and app/api/v1 in step. */
export const documentedOperations = operations.map(({ method, path }) => ({ method, path }));
