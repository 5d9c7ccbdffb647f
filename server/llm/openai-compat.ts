import { randomUUID } from "node:crypto";
import { z } from "zod";
import { readJsonBody } from "@/server/api/rest-input";
import type { Db } from "@/server/db";
import { AppError } from "@/server/errors";
import type { Logger } from "@/server/logger";
import { openAIError, type OpenAIErrorBody } from "./openai-http";
import { workspaceRouting } from "./plan";
import { complete } from "./router";
import type { ChatMessage, LlmRequest, LlmResult } from "./types";

/**
 * The OpenAI-compatible face of the model router (`/api/v1/chat/completions`, `/api/v1/models`):
 * the wire schemas, the mapping to an LlmRequest, the response and SSE builders, and OpenAI-style
 * errors, so the official SDKs work unchanged against a workspace API key.
 */

export const MAX_CHAT_BODY_BYTES = 1024 * 1024;
/** Characters of all messages together; runner jobs refuse more, and no catalog model takes more. */
export const MAX_PROMPT_CHARS = 200_000;
/** A stream is committed (status 200 sent) at the first token, or after this long without one. */
const COMMIT_AFTER_MS = 10_000;
const HEARTBEAT_MS = 15_000;
const FLUSH_EVERY_MS = 10;

// ---- request ----------------------------------------------------------------------------------

const textPart = z.object({
  type: z.literal("text", { error: 'Only text parts ({"type": "text", "text": ...}) are supported.' }),
  text: z.string(),
});

const chatMessageInput = z.object({
  role: z.enum(["system", "developer", "user", "assistant"], {
    error: "role must be system, developer, user or assistant (tool messages are not supported).",
  }),
  content: z.union([z.string(), z.array(textPart).min(1).max(100)], {
    error: 'content must be a string or an array of text parts ({"type": "text", "text": ...}).',
  }),
});

const maxTokens = z.int().min(1).max(32_768).nullish();

const responseFormat = z.discriminatedUnion("type", [
  z.object({ type: z.literal("text") }),
  z.object({ type: z.literal("json_object") }),
  z.object({
    type: z.literal("json_schema"),
    json_schema: z.object({
      name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "name must be 1 to 64 letters, digits, underscores or dashes."),
      description: z.string().max(1000).nullish(),
      schema: z.record(z.string(), z.unknown()),
      strict: z.boolean().nullish(),
    }),
  }),
]);

/** OpenAI's limits on `stop`: at most 4 strings (each bounded here so a runner job stays small). */
export const MAX_STOP_STRINGS = 4;
const MAX_STOP_CHARS = 500;
const stopInput = z.union([z.string(), z.array(z.string()).max(100)], {
  error: `stop must be a string or an array of up to ${MAX_STOP_STRINGS} strings.`,
});

/** Fields Jace does not implement (n, tools, logprobs, ...) are ignored, as OpenAI's SDKs send extras freely. */
export const chatCompletionRequest = z.object({
  model: z.string().min(1).max(200),
  messages: z.array(chatMessageInput).min(1).max(200),
  max_tokens: maxTokens,
  max_completion_tokens: maxTokens,
  temperature: z.number().min(0).max(2).nullish(),
  seed: z.int().nullish(),
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().nullish() }).nullish(),
  response_format: responseFormat.nullish(),
  stop: stopInput.nullish(),
});
export type ChatCompletionRequest = z.infer<typeof chatCompletionRequest>;

/** A 400 with OpenAI's `param` and `code` (they land in `details` and come back out in the body). */
function invalid(message: string, param: string, code: string | null = null): AppError {
  return new AppError("BAD_REQUEST", message, { details: { param, code } });
}

const schemaTypes = new Set(["object", "array", "string", "number", "integer", "boolean", "null"]);
const schemaMaps = ["properties", "$defs", "definitions", "patternProperties"];
const schemaLists = ["anyOf", "oneOf", "allOf", "prefixItems"];

/** Why `schema` is not a usable JSON Schema (its location and the problem), or null. Structure only. */
export function jsonSchemaProblem(schema: unknown, at = "schema", depth = 0): string | null {
  if (typeof schema === "boolean") return null;
  if (!schema || typeof schema !== "object" || Array.isArray(schema)) return `${at} must be an object`;
  if (depth > 32) return `${at} is nested more than 32 levels deep`;
  const s = schema as Record<string, unknown>;
  const types = Array.isArray(s.type) ? (s.type as unknown[]) : s.type === undefined ? [] : [s.type];
  const badType = types.find((t) => typeof t !== "string" || !schemaTypes.has(t));
  if (badType !== undefined) return `${at}.type ${JSON.stringify(badType)} is not a JSON Schema type`;
  if (s.required !== undefined && (!Array.isArray(s.required) || s.required.some((r) => typeof r !== "string")))
    return `${at}.required must be an array of property names`;
  if (s.enum !== undefined && (!Array.isArray(s.enum) || s.enum.length === 0)) return `${at}.enum must be a non-empty array`;
  for (const key of schemaMaps) {
    if (s[key] === undefined) continue;
    if (!s[key] || typeof s[key] !== "object" || Array.isArray(s[key])) return `${at}.${key} must be an object of schemas`;
    for (const [name, sub] of Object.entries(s[key] as Record<string, unknown>)) {
      const problem = jsonSchemaProblem(sub, `${at}.${key}.${name}`, depth + 1);
      if (problem) return problem;
    }
  }
  for (const key of schemaLists) {
    if (s[key] === undefined) continue;
    if (!Array.isArray(s[key])) return `${at}.${key} must be an array of schemas`;
    for (const [i, sub] of (s[key] as unknown[]).entries()) {
      const problem = jsonSchemaProblem(sub, `${at}.${key}[${i}]`, depth + 1);
      if (problem) return problem;
    }
  }
  for (const key of ["items", "additionalProperties", "not"]) {
    if (s[key] === undefined) continue;
    const problem = jsonSchemaProblem(s[key], `${at}.${key}`, depth + 1);
    if (problem) return problem;
  }
  return null;
}

const partsText = (c: ChatCompletionRequest["messages"][number]["content"]) => (typeof c === "string" ? c : c.map((p) => p.text).join(""));

/** The router's request for a parsed body; the prompt-size and schema checks the zod schema cannot express. */
export function toLlmRequest(
  workspaceId: string,
  apiKeyId: string,
  body: ChatCompletionRequest,
  projectId: string | null = null,
): LlmRequest {
  const messages: ChatMessage[] = body.messages.map((m) => ({
    role: m.role === "developer" ? "system" : m.role,
    content: partsText(m.content),
  }));
  const chars = messages.reduce((n, m) => n + m.content.length, 0);
  if (chars > MAX_PROMPT_CHARS) {
    throw invalid(
      `The messages are ${chars.toLocaleString("en-US")} characters long; the limit is ${MAX_PROMPT_CHARS.toLocaleString("en-US")}. Shorten the prompt or split the work.`,
      "messages",
      "context_length_exceeded",
    );
  }
  let jsonSchema: Record<string, unknown> | undefined;
  const format = body.response_format;
  if (format?.type === "json_object") jsonSchema = { type: "object" };
  if (format?.type === "json_schema") {
    const problem = jsonSchemaProblem(format.json_schema.schema);
    if (problem)
      throw invalid(`Invalid JSON schema in response_format: ${problem}.`, "response_format.json_schema.schema", "invalid_json_schema");
    jsonSchema = format.json_schema.schema;
  }
  const limit = body.max_completion_tokens ?? body.max_tokens;
  const stop = stopStrings(body.stop);
  return {
    workspaceId,
    apiKeyId,
    projectId,
    model: body.model,
    messages,
    ...(limit != null ? { maxTokens: limit } : {}),
    ...(body.temperature != null ? { temperature: body.temperature } : {}),
    ...(body.seed != null ? { seed: body.seed } : {}),
    ...(stop.length ? { stop } : {}),
    ...(jsonSchema ? { jsonSchema } : {}),
  };
}

/** `stop` as a list, refused as OpenAI refuses it; empty strings (which match nothing) are dropped. */
function stopStrings(stop: ChatCompletionRequest["stop"]): string[] {
  const list = stop == null ? [] : typeof stop === "string" ? [stop] : stop;
  if (list.length > MAX_STOP_STRINGS) {
    throw invalid(
      `Invalid 'stop': expected an array with maximum length ${MAX_STOP_STRINGS}, but got an array with length ${list.length} instead.`,
      "stop",
      "array_above_max_length",
    );
  }
  const long = list.findIndex((s) => s.length > MAX_STOP_CHARS);
  if (long >= 0)
    throw invalid(
      `Invalid 'stop[${long}]': a stop string can be at most ${MAX_STOP_CHARS} characters.`,
      `stop[${long}]`,
      "string_above_max_length",
    );
  return list.filter((s) => s.length > 0);
}

// ---- responses --------------------------------------------------------------------------------

const usageOutput = z.object({ prompt_tokens: z.int(), completion_tokens: z.int(), total_tokens: z.int() });
const finishReason = z.enum(["stop", "length"]);
/** Which provider served a streamed call (a stream's headers leave before that is known). */
const jaceOutput = z.object({ provider: z.enum(["runner", "openai"]), fallback_reason: z.string().nullable() });

export const chatCompletionOutput = z.object({
  id: z.string(),
  object: z.literal("chat.completion"),
  created: z.int(),
  /** The concrete model that answered (a runner's model id or a cloud model), not the alias asked for. */
  model: z.string(),
  system_fingerprint: z.null(),
  choices: z.array(
    z.object({
      index: z.int(),
      message: z.object({ role: z.literal("assistant"), content: z.string(), refusal: z.null() }),
      logprobs: z.null(),
      finish_reason: finishReason,
    }),
  ),
  usage: usageOutput,
});
export type ChatCompletionOutput = z.infer<typeof chatCompletionOutput>;

export const chatCompletionChunkOutput = z.object({
  id: z.string(),
  object: z.literal("chat.completion.chunk"),
  created: z.int(),
  model: z.string(),
  system_fingerprint: z.null(),
  choices: z.array(
    z.object({
      index: z.int(),
      delta: z.object({ role: z.literal("assistant").optional(), content: z.string().optional() }),
      logprobs: z.null(),
      finish_reason: finishReason.nullable(),
    }),
  ),
  usage: usageOutput.nullable().optional(),
  jace: jaceOutput.optional(),
});
type ChatCompletionChunk = z.infer<typeof chatCompletionChunkOutput>;

export const modelListOutput = z.object({
  object: z.literal("list"),
  data: z.array(z.object({ id: z.string(), object: z.literal("model"), created: z.int(), owned_by: z.string() })),
});
export type ModelList = z.infer<typeof modelListOutput>;

export { openAIErrorBody, type OpenAIErrorBody } from "./openai-http";

const usageOf = (r: LlmResult) => ({
  prompt_tokens: r.usage.promptTokens,
  completion_tokens: r.usage.completionTokens,
  total_tokens: r.usage.promptTokens + r.usage.completionTokens,
});
const finishOf = (r: LlmResult) => (r.finishReason === "length" ? "length" : "stop");
const completionId = () => `chatcmpl-${randomUUID().replace(/-/g, "")}`;
const unixNow = () => Math.floor(Date.now() / 1000);
/** Header values are ASCII on one line. */
const headerSafe = (v: string) => v.replace(/[^\x20-\x7e]/g, "?").slice(0, 300);

function jaceHeaders(r: LlmResult): Record<string, string> {
  return { "x-jace-provider": r.provider, ...(r.fallbackReason ? { "x-jace-fallback-reason": headerSafe(r.fallbackReason) } : {}) };
}

export function chatCompletionBody(r: LlmResult, id = completionId(), created = unixNow()): ChatCompletionOutput {
  return {
    id,
    object: "chat.completion",
    created,
    model: r.model,
    system_fingerprint: null,
    choices: [{ index: 0, message: { role: "assistant", content: r.text, refusal: null }, logprobs: null, finish_reason: finishOf(r) }],
    usage: usageOf(r),
  };
}

/** POST /api/v1/chat/completions without `stream`. */
export async function chatCompletion(db: Db, call: LlmRequest, signal?: AbortSignal): Promise<Response> {
  const result = await complete(db, { ...call, signal });
  return Response.json(chatCompletionBody(result), { headers: jaceHeaders(result) });
}

/**
 * POST /api/v1/chat/completions with `stream`: `chat.completion.chunk` events, a final chunk with
 * the finish reason and the concrete model, a usage chunk when asked, then `data: [DONE]`.
 * The status is held back until the first token (or COMMIT_AFTER_MS), so a call that fails before
 * producing anything (unknown model, budget spent, no provider) still gets its HTTP error status;
 * a failure after that arrives as an `{"error": ...}` event, which the SDKs raise as well.
 */
export async function streamChatCompletion(
  db: Db,
  call: LlmRequest,
  opts: { includeUsage: boolean; signal: AbortSignal; requestId: string; log: Logger },
): Promise<Response> {
  const id = completionId();
  const created = unixNow();
  const abort = new AbortController();
  const onClientGone = () => abort.abort();
  opts.signal.addEventListener("abort", onClientGone, { once: true });

  const early: string[] = [];
  let sink: ((text: string) => void) | null = null;
  let firstToken: () => void = () => {};
  const tokenArrived = new Promise<"token">((resolve) => (firstToken = () => resolve("token")));
  const result = complete(db, {
    ...call,
    signal: abort.signal,
    onToken: (text) => {
      if (sink) return sink(text);
      early.push(text);
      firstToken();
    },
  });
  let timer: NodeJS.Timeout | undefined;
  const state = await Promise.race([
    tokenArrived,
    result.then(
      () => "settled" as const,
      () => "settled" as const,
    ),
    new Promise<"waiting">((resolve) => (timer = setTimeout(() => resolve("waiting"), COMMIT_AFTER_MS))),
  ]);
  clearTimeout(timer);
  let served: LlmResult | null = null;
  if (state === "settled") {
    try {
      served = await result;
    } catch (err) {
      opts.signal.removeEventListener("abort", onClientGone);
      throw err;
    }
  }

  const encoder = new TextEncoder();
  let closed = false;
  let heartbeat: NodeJS.Timeout | undefined;
  const chunk = (model: string, delta: ChatCompletionChunk["choices"][number]["delta"], finish: "stop" | "length" | null = null) => ({
    id,
    object: "chat.completion.chunk" as const,
    created,
    model,
    system_fingerprint: null,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    ...(opts.includeUsage ? { usage: null } : {}),
  });
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      // One network write per token costs more than the token: after a write, tokens gather for
      // up to FLUSH_EVERY_MS (the first one after a pause still leaves at once).
      let pending = "";
      let lastFlush = 0;
      let flushTimer: NodeJS.Timeout | undefined;
      const flush = () => {
        const text = pending;
        pending = "";
        clearTimeout(flushTimer);
        flushTimer = undefined;
        lastFlush = performance.now();
        if (closed || !text) return;
        try {
          controller.enqueue(encoder.encode(text));
        } catch {
          closed = true;
        }
      };
      const write = (text: string) => {
        pending += text;
        flushTimer ??= setTimeout(flush, Math.max(0, FLUSH_EVERY_MS - (performance.now() - lastFlush)));
      };
      const send = (data: ChatCompletionChunk | OpenAIErrorBody) => write(`data: ${JSON.stringify(data)}\n\n`);
      const end = () => {
        clearInterval(heartbeat);
        opts.signal.removeEventListener("abort", onClientGone);
        flush();
        if (closed) return;
        closed = true;
        controller.close();
      };
      // Until the router says which model served, chunks carry the model asked for; the final chunk has the concrete one.
      const provisional = served?.model ?? call.model;
      send(chunk(provisional, { role: "assistant", content: "" }));
      for (const text of early) send(chunk(provisional, { content: text }));
      sink = (text) => send(chunk(provisional, { content: text }));
      heartbeat = setInterval(() => write(": keep-alive\n\n"), HEARTBEAT_MS);
      result.then(
        (r) => {
          send({ ...chunk(r.model, {}, finishOf(r)), jace: { provider: r.provider, fallback_reason: r.fallbackReason } });
          if (opts.includeUsage) send({ ...chunk(r.model, {}), choices: [], usage: usageOf(r) });
          write("data: [DONE]\n\n");
          end();
        },
        (err: unknown) => {
          if (!abort.signal.aborted) send(openAIError(err, opts.requestId, opts.log).body);
          end();
        },
      );
    },
    cancel() {
      closed = true;
      clearInterval(heartbeat);
      abort.abort();
    },
  });
  return new Response(body, {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      "x-accel-buffering": "no",
      ...(served ? jaceHeaders(served) : {}),
    },
  });
}

/**
 * GET /api/v1/models: the catalog's logical models, the workspace's runner models, and the cloud
 * models the key in use can call (with Jace's key, only the list's; with the workspace's own key, its added ones too).
 */
export async function listModels(db: Db, workspaceId: string): Promise<ModelList> {
  const [routing, workspace, runners] = await Promise.all([
    workspaceRouting(db, workspaceId),
    db.workspace.findUniqueOrThrow({ where: { id: workspaceId }, select: { createdAt: true } }),
    db.runner.findMany({
      where: { workspaceId, revokedAt: null },
      select: { capabilities: true, createdAt: true },
      orderBy: { createdAt: "asc" },
    }),
  ]);
  const since = Math.floor(workspace.createdAt.getTime() / 1000);
  const data: ModelList["data"] = [];
  const seen = new Set<string>();
  const add = (id: string, created: number, owned_by: string) => {
    if (seen.has(id)) return;
    seen.add(id);
    data.push({ id, object: "model", created, owned_by });
  };
  for (const id of Object.keys(routing.catalog)) add(id, since, "jace");
  for (const r of runners) {
    for (const m of (r.capabilities as { models?: { id: string }[] }).models ?? [])
      add(m.id, Math.floor(r.createdAt.getTime() / 1000), "runner");
  }
  if (routing.keySource) for (const id of Object.keys(routing.pricing.cloud)) add(id, since, "openai");
  return { object: "list", data };
}

/** The body of POST /api/v1/chat/completions, up to 1 MB. */
export const readChatCompletionRequest = (req: Request) => readJsonBody(req, chatCompletionRequest, MAX_CHAT_BODY_BYTES);
