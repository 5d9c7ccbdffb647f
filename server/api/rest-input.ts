import type { z } from "zod";
import { AppError } from "../errors";
import type { Actor } from "../features/audit/record";
import type { ApiKeyPrincipal } from "../features/api-keys/api-keys";
import type { Task } from "../generated/prisma/client";
import { findTask } from "../features/tasks/tasks";
import { withApiKey, type RestContext } from "./rest";
import { MAX_JSON_BODY_BYTES, type restIssue } from "./rest-schemas";

/** What a REST v1 request brings in: its JSON body, query, headers and path, each checked by a zod schema. */

export type RestIssue = z.infer<typeof restIssue>;

/** The one shape of a 400: a readable message plus every issue with its path, as `details.issues`. */
export function invalidRequest(what: string, issues: RestIssue[]): AppError {
  const summary = issues
    .slice(0, 3)
    .map((i) => (i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message))
    .join("; ");
  return new AppError("BAD_REQUEST", `Invalid ${what}: ${summary}${issues.length > 3 ? ` (and ${issues.length - 3} more)` : ""}`, {
    details: { issues },
  });
}

function toIssues(error: z.ZodError, prefix: (string | number)[] = []): RestIssue[] {
  return error.issues.map((i) => ({
    path: [...prefix, ...i.path.map((p) => (typeof p === "symbol" ? String(p) : p))],
    code: i.code,
    message: i.message,
  }));
}

function parseWith<S extends z.ZodType>(schema: S, value: unknown, what: string, prefix?: (string | number)[]): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw invalidRequest(what, toIssues(parsed.error, prefix));
  return parsed.data;
}

function tooLarge(maxBytes: number): AppError {
  return new AppError("PAYLOAD_TOO_LARGE", `Request body is larger than ${byteSize(maxBytes)}. Send a smaller JSON body.`);
}

/** A limit as people read it: 1,000,000 bytes is "1 MB", 65,536 is "64 KB". */
function byteSize(bytes: number): string {
  return bytes >= 1_000_000 ? `${Math.round(bytes / 1_000_000)} MB` : `${Math.round(bytes / 1024)} KB`;
}

/** Reads the body without ever buffering more than `maxBytes` (a missing or lying content-length cannot get past it). */
export async function readText(req: Request, maxBytes: number): Promise<string> {
  const declared = Number(req.headers.get("content-length") ?? 0);
  if (declared > maxBytes) throw tooLarge(maxBytes);
  if (!req.body) return "";
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    throw invalidRequest("request body", [{ path: [], code: "invalid_encoding", message: "Body must be UTF-8 encoded JSON." }]);
  }
}

/**
 * Parses a JSON body with `schema`. An empty body counts as `{}` so endpoints whose fields are all
 * optional need none; the content type is not checked (`curl -d` sends form-urlencoded).
 */
export async function readJsonBody<S extends z.ZodType>(req: Request, schema: S, maxBytes = MAX_JSON_BODY_BYTES): Promise<z.output<S>> {
  const text = await readText(req, maxBytes);
  let json: unknown = {};
  if (text.trim()) {
    try {
      json = JSON.parse(text);
    } catch (error) {
      const reason = error instanceof SyntaxError ? error.message : "unreadable";
      throw invalidRequest("request body", [{ path: [], code: "invalid_json", message: `Body is not valid JSON (${reason}).` }]);
    }
  }
  return parseWith(schema, json, "request body");
}

/** Parses the query string with `schema`; empty values count as absent and a repeated name keeps its last value. */
export function parseQuery<S extends z.ZodType>(req: Request, schema: S): z.output<S> {
  const query: Record<string, string> = {};
  for (const [name, value] of new URL(req.url).searchParams) if (value !== "") query[name] = value;
  return parseWith(schema, query, "query");
}

/** Parses one optional header; an issue's path is the header's name. */
export function parseHeader<S extends z.ZodType>(req: Request, name: string, schema: S): z.output<S> {
  return parseWith(schema, req.headers.get(name) ?? undefined, `${name} header`, [name]);
}

export function clientIp(req: Request): string | null {
  return req.headers.get("x-forwarded-for")?.split(",")[0]?.trim() || req.headers.get("x-real-ip") || null;
}

/** Who API-key requests are recorded as, in the audit log and on tasks. */
export function apiKeyActor(principal: ApiKeyPrincipal): Actor {
  return { type: "api_key", id: principal.apiKeyId, label: `API key ${principal.name}` };
}

export type TaskRouteContext = RestContext & { task: Task };
type TaskRouteParams = { params: Promise<{ id: string }> };

/**
 * `withApiKey` for routes under /tasks/{id}: resolves `{id}` (a task id, or its number such as `42`)
 * inside the key's workspace before the handler runs, so another workspace's task is a 404 on
 * every route.
 */
export function withTask(handler: (req: Request, ctx: TaskRouteContext) => Promise<Response>) {
  return (req: Request, route: TaskRouteParams): Promise<Response> =>
    withApiKey(async (r, ctx) => {
      // Next has already decoded the segment, so `%2342` arrives as `#42`.
      const ref = (await route.params).id.trim();
      if (!ref || ref.length > 64) throw new AppError("NOT_FOUND", "Task not found in this workspace.");
      const task = await findTask(ctx.db, ctx.principal.workspace.id, ref);
      return handler(r, { ...ctx, task, log: ctx.log.child({ taskId: task.id }) });
    })(req);
}
