import { z } from "zod";
import {
  MAX_CHAT_BODY_BYTES,
  chatCompletionChunkOutput,
  chatCompletionOutput,
  chatCompletionRequest,
  modelListOutput,
  openAIErrorBody,
} from "../llm/openai-compat";
import { createTaskInput, taskDetailOutput, taskInput, taskLogOutput, taskOutput } from "../features/tasks/schemas";
import {
  API_KEY_NOTE,
  errorResponses,
  openAIErrorResponses,
  operations,
  type ErrorStatus,
  type JsonSchema,
  type OperationSpec,
  type Status,
} from "./openapi-operations";
import { MAX_JSON_BODY_BYTES, errorBody, rejectTaskBody, taskList, taskLogList, workspaceInfo } from "./rest-schemas";

/**
 * The OpenAPI 3.1 document of REST v1, generated from the same zod schemas the routes parse and
 * reply with, and the operations listed in openapi-operations.ts. openapi.test.ts fails when a
 * route under app/api/v1 is missing from it.
 */

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
