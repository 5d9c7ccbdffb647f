import { randomUUID } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A loopback OpenAI API for tests and benchmarks, driven through the real `openai` SDK:
 *   new OpenAI({ apiKey: "sk-test-...", baseURL: fake.url + "/v1", maxRetries: 0 })
 * Each chat completion takes the next scripted behaviour, else the default (ok). Tokens are counted
 * by splitting on whitespace, so usage is deterministic.
 */

export type FakeBehaviour =
  /**
   * chunkDelayMs: pause between streamed chunks (to abort or time out mid-stream); breakAfterChunks:
   * drop the connection after that many content chunks (a stream failing midway).
   */
  | {
      kind: "ok";
      text?: string;
      promptTokens?: number;
      completionTokens?: number;
      delayMs?: number;
      chunkDelayMs?: number;
      breakAfterChunks?: number;
    }
  | { kind: "error"; status: 400 | 401 | 429 | 500 | 503; retryAfterSeconds?: number; message?: string; code?: string }
  /** Accepts the request and never answers. */
  | { kind: "hang" };

export type RecordedRequest = { method: string; path: string; headers: IncomingHttpHeaders; body: unknown };

export type OpenAIFake = {
  url: string;
  requests: RecordedRequest[];
  /** Queues behaviours for the next chat completions, in order. */
  script(next: FakeBehaviour[]): void;
  setDefault(b: FakeBehaviour): void;
  close(): Promise<void>;
};

type ChatBody = {
  model?: string;
  messages?: { role: string; content: unknown }[];
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  max_tokens?: number;
  max_completion_tokens?: number;
  response_format?: { type: string; json_schema?: { schema?: Schema } };
  stop?: string | string[] | null;
};
type Schema = { type?: string | string[]; properties?: Record<string, Schema>; items?: Schema; enum?: unknown[]; const?: unknown };

const errorTypes: Record<number, { type: string; code: string; message: string }> = {
  400: { type: "invalid_request_error", code: "invalid_request", message: "Invalid request." },
  401: { type: "invalid_request_error", code: "invalid_api_key", message: "Incorrect API key provided." },
  429: { type: "requests", code: "rate_limit_exceeded", message: "Rate limit reached for requests." },
  500: { type: "server_error", code: "server_error", message: "The server had an error while processing your request." },
  503: { type: "server_error", code: "overloaded", message: "The engine is currently overloaded." },
};

const countTokens = (s: string) => s.split(/\s+/).filter(Boolean).length;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Something shaped like the schema: every property filled, first enum value, one array item. */
function sample(schema: Schema, name: string): unknown {
  if (schema.const !== undefined) return schema.const;
  if (schema.enum?.length) return schema.enum[0];
  const type = Array.isArray(schema.type) ? schema.type[0] : (schema.type ?? (schema.properties ? "object" : "string"));
  switch (type) {
    case "object":
      return Object.fromEntries(Object.entries(schema.properties ?? {}).map(([k, s]) => [k, sample(s, k)]));
    case "array":
      return schema.items ? [sample(schema.items, name)] : [];
    case "number":
    case "integer":
      return 1;
    case "boolean":
      return true;
    case "null":
      return null;
    default:
      return `fake ${name}`;
  }
}

export async function startOpenAIFake(opts: { models?: string[]; default?: FakeBehaviour } = {}): Promise<OpenAIFake> {
  const models = opts.models ?? ["gpt-4o-mini", "gpt-4o", "gpt-4.1-mini", "gpt-4.1"];
  const requests: RecordedRequest[] = [];
  const queue: FakeBehaviour[] = [];
  let fallback: FakeBehaviour = opts.default ?? { kind: "ok" };

  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify(body));
  };
  const fail = (res: ServerResponse, status: number, message?: string, code?: string, retryAfterSeconds?: number) => {
    const e = errorTypes[status] ?? { type: "invalid_request_error", code: "invalid_request", message: "Bad request." };
    const headers: Record<string, string> = retryAfterSeconds === undefined ? {} : { "retry-after": String(retryAfterSeconds) };
    json(res, status, { error: { message: message ?? e.message, type: e.type, code: code ?? e.code, param: null } }, headers);
  };

  async function chat(req: IncomingMessage, res: ServerResponse, body: ChatBody) {
    const b = queue.shift() ?? fallback;
    if (b.kind === "hang") return;
    if (b.kind === "error") return fail(res, b.status, b.message, b.code, b.retryAfterSeconds);
    if (b.delayMs) await sleep(b.delayMs);
    if (res.destroyed) return;

    const messages = body.messages ?? [];
    const lastUser = [...messages].reverse().find((m) => m.role === "user");
    const schema = body.response_format?.type === "json_schema" ? body.response_format.json_schema?.schema : undefined;
    let text = b.text ?? (schema ? JSON.stringify(sample(schema, "output")) : `Echo: ${String(lastUser?.content ?? "")}`);
    let finishReason = "stop";
    const limit = body.max_completion_tokens ?? body.max_tokens;
    if (b.text === undefined && !schema && limit !== undefined && countTokens(text) > limit) {
      text = text.split(/\s+/).slice(0, limit).join(" ");
      finishReason = "length";
    }
    // OpenAI ends the text before the first stop string, leaves it out, and reports "stop".
    const stops = typeof body.stop === "string" ? [body.stop] : (body.stop ?? []);
    const cut = Math.min(...stops.map((s) => text.indexOf(s)).filter((i) => i >= 0));
    if (Number.isFinite(cut)) [text, finishReason] = [text.slice(0, cut), "stop"];
    const promptTokens = b.promptTokens ?? messages.reduce((n, m) => n + countTokens(String(m.content)), 0);
    const completionTokens = b.completionTokens ?? countTokens(text);
    const usage = { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
    const base = { id: `chatcmpl-${randomUUID()}`, created: Math.floor(Date.now() / 1000), model: body.model ?? models[0] };

    if (!body.stream) {
      const choice = {
        index: 0,
        message: { role: "assistant", content: text, refusal: null },
        logprobs: null,
        finish_reason: finishReason,
      };
      return json(res, 200, { ...base, object: "chat.completion", choices: [choice], usage });
    }
    const withUsage = body.stream_options?.include_usage === true;
    const chunk = (choices: unknown[], extra: object = {}) =>
      `data: ${JSON.stringify({ ...base, object: "chat.completion.chunk", choices, ...(withUsage ? { usage: null } : {}), ...extra })}\n\n`;
    const delta = (d: object, finish: string | null = null) => ({ index: 0, delta: d, logprobs: null, finish_reason: finish });
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    res.write(chunk([delta({ role: "assistant", content: "" })]));
    let sent = 0;
    for (const piece of text.split(/(?<=\s)(?=\S)/)) {
      if (b.chunkDelayMs) await sleep(b.chunkDelayMs);
      if (res.destroyed) return;
      if (b.breakAfterChunks !== undefined && sent === b.breakAfterChunks) {
        await sleep(50); // let what was written reach the client first
        return void res.destroy();
      }
      res.write(chunk([delta({ content: piece })]));
      sent += 1;
    }
    res.write(chunk([delta({}, finishReason)]));
    if (withUsage) res.write(chunk([], { usage }));
    res.end("data: [DONE]\n\n");
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    let raw = "";
    for await (const part of req) raw += String(part);
    let body: unknown = undefined;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      return fail(res, 400, "We could not parse the JSON body of your request.");
    }
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    requests.push({ method: req.method ?? "GET", path, headers: req.headers, body });
    if (!/^Bearer sk-\S+$/.test(req.headers.authorization ?? "")) return fail(res, 401);
    if (req.method === "POST" && path === "/v1/chat/completions") return chat(req, res, (body ?? {}) as ChatBody);
    if (req.method === "GET" && path === "/v1/models") {
      return json(res, 200, {
        object: "list",
        data: models.map((id) => ({ id, object: "model", created: 1_700_000_000, owned_by: "system" })),
      });
    }
    json(res, 404, {
      error: { message: `Unknown request URL: ${req.method} ${path}.`, type: "invalid_request_error", code: "unknown_url" },
    });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    script: (next) => void queue.push(...next),
    setDefault: (b) => void (fallback = b),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
