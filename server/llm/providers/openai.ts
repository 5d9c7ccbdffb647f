import { createHash } from "node:crypto";
import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from "openai";
import type { ChatCompletionCreateParamsNonStreaming } from "openai/resources/chat/completions";
import { estimatePromptTokens } from "@/server/llm/pricing";
import type { ChatMessage, Usage } from "@/server/llm/types";

/**
 * The cloud provider: OpenAI chat completions over the official SDK. One attempt per call (no SDK
 * retries): on failure the router fails over to runners, so errors are classified, not retried.
 */

export type CloudCallInput = {
  apiKey: string;
  baseUrl?: string;
  model: string;
  messages: ChatMessage[];
  maxTokens: number;
  temperature?: number;
  seed?: number;
  stop?: string[];
  jsonSchema?: Record<string, unknown>;
  onToken?: (text: string) => void;
  signal?: AbortSignal;
  /** Deadline for the whole call, streamed body included (the SDK's own timeout stops at the headers). */
  timeoutMs?: number;
};

/** `model` is the model asked for, not the dated snapshot OpenAI reports, so it keys the price table. */
export type CloudCallResult = { text: string; finishReason: "stop" | "length" | "cancelled"; usage: Usage; model: string };

export class CloudProviderError extends Error {
  readonly status: number | null;
  readonly retryAfterMs: number | null;
  readonly retryable: boolean;
  /** short reason for the ledger, e.g. "cloud 429 (retry after 20 s)" */
  readonly reason: string;
  /** OpenAI's error code (context_length_exceeded, invalid_api_key, ...), when it sent one. */
  readonly code: string | null;
  /** What a stream produced before it failed: those tokens were generated, and are billed. */
  partial: { text: string; usage: Usage } | null = null;

  constructor(
    message: string,
    o: { status: number | null; retryAfterMs?: number | null; retryable: boolean; reason: string; code?: string | null },
  ) {
    super(message);
    this.name = "CloudProviderError";
    this.status = o.status;
    this.retryAfterMs = o.retryAfterMs ?? null;
    this.retryable = o.retryable;
    this.reason = o.reason;
    this.code = o.code ?? null;
  }

  /** OpenAI refused the request itself (a schema it rejects, a prompt over the context): the caller's to fix. */
  get callerError(): boolean {
    return this.status === 400 || this.status === 413 || this.status === 422;
  }
}

/** Marks a failure after some text was streamed with the tokens it used (estimated: the usage chunk never came). */
function withPartial(err: CloudProviderError, messages: ChatMessage[], text: string): CloudProviderError {
  if (text) err.partial = { text, usage: { promptTokens: estimatePromptTokens(messages), completionTokens: Math.ceil(text.length / 2) } };
  return err;
}

const defaultBaseUrl = "https://api.openai.com/v1";
const defaultTimeoutMs = 120_000;
const maxClients = 32;
/** Clients by base URL and key hash, least recently used first. */
const clients = new Map<string, OpenAI>();

function clientFor(apiKey: string, baseUrl: string): OpenAI {
  const id = `${baseUrl}\n${createHash("sha256").update(apiKey).digest("hex")}`;
  const cached = clients.get(id);
  if (cached) {
    clients.delete(id);
    clients.set(id, cached);
    return cached;
  }
  // Explicit nulls and logLevel keep the SDK from reading OPENAI_* variables behind server/env.ts.
  const client = new OpenAI({
    apiKey,
    baseURL: baseUrl,
    organization: null,
    project: null,
    webhookSecret: null,
    maxRetries: 0,
    logLevel: "off",
  });
  if (clients.size >= maxClients) clients.delete(clients.keys().next().value as string);
  clients.set(id, client);
  return client;
}

export async function callOpenAI(input: CloudCallInput): Promise<CloudCallResult> {
  const { model, messages, onToken } = input;
  const estimate = (text: string): Usage => ({
    promptTokens: estimatePromptTokens(messages),
    completionTokens: Math.ceil(text.length / 2),
  });
  const cancelled = (text: string): CloudCallResult => ({ text, finishReason: "cancelled", usage: estimate(text), model });
  if (input.signal?.aborted) return { text: "", finishReason: "cancelled", usage: { promptTokens: 0, completionTokens: 0 }, model };

  const timeoutMs = Math.max(1, Math.ceil(input.timeoutMs ?? defaultTimeoutMs));
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), timeoutMs);
  const signal = input.signal ? AbortSignal.any([input.signal, deadline.signal]) : deadline.signal;
  const client = clientFor(input.apiKey, input.baseUrl ?? defaultBaseUrl);
  const body: ChatCompletionCreateParamsNonStreaming = {
    model,
    messages,
    max_completion_tokens: input.maxTokens,
    ...(input.temperature === undefined ? {} : { temperature: input.temperature }),
    ...(input.seed === undefined ? {} : { seed: input.seed }),
    ...(input.stop?.length ? { stop: input.stop } : {}),
    ...(input.jsonSchema
      ? { response_format: { type: "json_schema", json_schema: { name: "output", schema: input.jsonSchema, strict: false } } }
      : {}),
  };

  let text = "";
  let finish: string | null = null;
  let usage: Usage | null = null;
  // An exception from onToken is the caller's, not the provider's: it passes through unchanged.
  const caller: { failed: boolean; error?: unknown } = { failed: false };
  try {
    if (onToken) {
      const stream = await client.chat.completions.create(
        { ...body, stream: true, stream_options: { include_usage: true } },
        { signal, timeout: timeoutMs },
      );
      for await (const chunk of stream) {
        const choice = chunk.choices[0];
        const piece = choice?.delta?.content;
        if (piece) {
          text += piece;
          try {
            onToken(piece);
          } catch (error) {
            Object.assign(caller, { failed: true, error });
            throw error;
          }
        }
        if (choice?.finish_reason) finish = choice.finish_reason;
        if (chunk.usage) usage = { promptTokens: chunk.usage.prompt_tokens, completionTokens: chunk.usage.completion_tokens };
      }
    } else {
      const res = await client.chat.completions.create(body, { signal, timeout: timeoutMs });
      const choice = res.choices[0];
      text = choice?.message.content ?? "";
      finish = choice?.finish_reason ?? null;
      if (res.usage) usage = { promptTokens: res.usage.prompt_tokens, completionTokens: res.usage.completion_tokens };
    }
  } catch (err) {
    if (caller.failed) throw caller.error;
    if (input.signal?.aborted) return cancelled(text);
    if (deadline.signal.aborted || err instanceof APIConnectionTimeoutError) throw withPartial(timeoutError(timeoutMs), messages, text);
    throw withPartial(toCloudError(err, input.apiKey), messages, text);
  } finally {
    clearTimeout(timer);
  }

  // The SDK's stream swallows an abort and simply ends: a missing finish reason tells it apart.
  if (finish === null) {
    if (input.signal?.aborted) return cancelled(text);
    if (deadline.signal.aborted) throw withPartial(timeoutError(timeoutMs), messages, text);
    const cut = new CloudProviderError("OpenAI response ended without a finish reason.", {
      status: null,
      retryable: true,
      reason: "cloud response cut off",
    });
    throw withPartial(cut, messages, text);
  }
  return { text, finishReason: finish === "length" ? "length" : "stop", usage: usage ?? estimate(text), model };
}

function timeoutError(timeoutMs: number): CloudProviderError {
  const reason = `cloud timeout after ${seconds(timeoutMs)} s`;
  return new CloudProviderError(`OpenAI did not answer within ${seconds(timeoutMs)} s.`, { status: null, retryable: true, reason });
}

function toCloudError(err: unknown, apiKey: string): CloudProviderError {
  const detail = redact(err instanceof Error ? err.message : String(err), apiKey);
  if (err instanceof APIConnectionError || err instanceof APIUserAbortError) {
    return new CloudProviderError(`OpenAI connection failed: ${detail}`, {
      status: null,
      retryable: true,
      reason: "cloud connection failed",
    });
  }
  if (err instanceof APIError && typeof err.status === "number") {
    const status = err.status;
    const retryAfterMs = readRetryAfter(err.headers);
    // A 429 for an exhausted quota or billing limit will not clear by waiting.
    const retryable = (status === 408 || status === 409 || status === 429 || status >= 500) && err.code !== "insufficient_quota";
    const code = typeof err.code === "string" && /^[a-z_]{1,40}$/.test(err.code) ? err.code : null;
    const wait = retryAfterMs === null ? "" : ` (retry after ${seconds(retryAfterMs)} s)`;
    return new CloudProviderError(`OpenAI request failed: ${detail}`, {
      status,
      retryAfterMs,
      retryable,
      code,
      reason: `cloud ${status}${code ? ` ${code}` : ""}${wait}`,
    });
  }
  // An error event inside the stream, or a body the SDK could not parse.
  return new CloudProviderError(`OpenAI request failed: ${detail}`, { status: null, retryable: true, reason: "cloud bad response" });
}

/** `retry-after-ms` (OpenAI's own), else `retry-after` in seconds or as an HTTP date. */
function readRetryAfter(headers: Headers | undefined): number | null {
  const ms = Number.parseFloat(headers?.get("retry-after-ms") ?? "");
  if (Number.isFinite(ms) && ms >= 0) return Math.round(ms);
  const value = headers?.get("retry-after");
  if (!value) return null;
  const s = Number.parseFloat(value);
  if (Number.isFinite(s) && s >= 0) return Math.round(s * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}

/** Provider messages can echo the key (a proxy, a misconfigured base URL): never pass it on. */
function redact(message: string, apiKey: string): string {
  const withoutKey = apiKey ? message.split(apiKey).join("sk-***") : message;
  return withoutKey.replace(/sk-[A-Za-z0-9_-]{6,}/g, "sk-***").slice(0, 300);
}

const seconds = (ms: number) => Math.round(ms / 100) / 10;
