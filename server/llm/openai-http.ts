import { z } from "zod";
import type { RestContext } from "@/server/api/rest";
import { getDb, type Db } from "@/server/db";
import { AppError, newRequestId, toAppError, type AppErrorCode } from "@/server/errors";
import { authenticateApiKey } from "@/server/features/api-keys/api-keys";
import { assertWritable } from "@/server/features/billing/quotas";
import { checkRateLimit } from "@/server/features/billing/rate-limit";
import { logger, type Logger } from "@/server/logger";

/**
 * The HTTP edge of the OpenAI-compatible routes: authentication with a workspace API key, the
 * read-only and rate-limit gates, the optional `X-Jace-Project` header, and every failure in
 * OpenAI's error shape so the official SDKs raise their typed errors.
 */

export const openAIErrorBody = z.object({
  error: z.object({ message: z.string(), type: z.string(), param: z.string().nullable(), code: z.string().nullable() }),
});
export type OpenAIErrorBody = z.infer<typeof openAIErrorBody>;

/**
 * AppError codes as OpenAI's error types and codes. A spent budget is a 429 `insufficient_quota`,
 * exactly what OpenAI answers when an account's quota is spent, so clients built for OpenAI already
 * recognise it; `x-should-retry: false` stops the official SDKs from retrying it like a rate limit.
 * Either way no provider could serve the call is a 503; only when one failed (rather than none being
 * online or configured) is it worth the SDKs' automatic retry.
 */
const openAIErrors: Record<AppErrorCode, { status?: number; type: string; code: string | null }> = {
  BAD_REQUEST: { type: "invalid_request_error", code: null },
  UNAUTHORIZED: { type: "invalid_request_error", code: "invalid_api_key" },
  FORBIDDEN: { type: "invalid_request_error", code: "permission_denied" },
  NOT_FOUND: { type: "invalid_request_error", code: "model_not_found" },
  CONFLICT: { type: "invalid_request_error", code: null },
  GONE: { type: "invalid_request_error", code: null },
  PAYLOAD_TOO_LARGE: { type: "invalid_request_error", code: "request_too_large" },
  // The router's "no provider could serve, and none failed" (no runner online, no cloud mapping or key).
  UNPROCESSABLE: { status: 503, type: "server_error", code: "no_provider_available" },
  RATE_LIMITED: { type: "requests", code: "rate_limit_exceeded" },
  QUOTA_EXCEEDED: { status: 429, type: "insufficient_quota", code: "insufficient_quota" },
  UNAVAILABLE: { type: "server_error", code: "no_provider_available" },
  INTERNAL: { type: "server_error", code: null },
};

/** `messages.0.content` as OpenAI writes it: `messages[0].content`. */
const paramOf = (path: (string | number)[]) =>
  path.reduce<string>((p, k) => (typeof k === "number" ? `${p}[${k}]` : p ? `${p}.${k}` : k), "");

export function openAIError(
  error: unknown,
  requestId: string,
  log: Logger,
): { status: number; body: OpenAIErrorBody; headers: Record<string, string> } {
  const e = toAppError(error);
  if (e.code === "INTERNAL") log.error({ err: error }, "chat completion failed");
  // A workspace read-only after a failed payment is OpenAI's 402 for an account that must pay first.
  const unpaid = e.code === "QUOTA_EXCEEDED" && e.details?.limit === "payment";
  const map = unpaid ? { status: 402, type: "insufficient_quota", code: "payment_required" } : openAIErrors[e.code];
  const details = (e.details ?? {}) as { param?: string; code?: string | null; issues?: { path: (string | number)[] }[]; model?: string };
  const issuePath = details.issues?.[0]?.path;
  // The router's unknown-model error names the model; any other 404 is not about a model.
  const unknownModel = e.code === "NOT_FOUND" && details.model !== undefined;
  const param = details.param ?? (issuePath?.length ? paramOf(issuePath) : unknownModel ? "model" : null);
  const code = details.code !== undefined ? details.code : e.code === "NOT_FOUND" && !unknownModel ? null : map.code;
  const message = e.code === "INTERNAL" ? `${e.message} Request id: ${requestId}.` : e.message;
  return {
    status: map.status ?? e.httpStatus,
    body: { error: { message, type: map.type, param, code } },
    headers: {
      "x-request-id": requestId,
      ...(e.code === "QUOTA_EXCEEDED" || e.code === "UNPROCESSABLE" ? { "x-should-retry": "false" } : {}),
      ...(e.code === "RATE_LIMITED" && typeof e.details?.retryAfterSeconds === "number"
        ? { "retry-after": String(e.details.retryAfterSeconds) }
        : {}),
    },
  };
}

/**
 * `withApiKey` for the OpenAI-compatible routes: the same workspace API key, but every failure,
 * authentication included, in OpenAI's error shape so the SDKs raise their typed errors.
 */
export function withOpenAIApiKey(handler: (req: Request, ctx: RestContext) => Promise<Response>) {
  return async (req: Request): Promise<Response> => {
    const given = req.headers.get("x-request-id");
    const requestId = given && /^[\x21-\x7e]{1,200}$/.test(given) ? given : newRequestId();
    const log = logger.child({ requestId });
    try {
      const db = getDb();
      const principal = await authenticateApiKey(db, req.headers.get("authorization"));
      // Listing models stays open; calls that run (and spend) wait until the payment is sorted out.
      if (req.method !== "GET") await assertWritable(db, principal.workspace);
      await checkRateLimit(db, principal.workspace, "api");
      const ctx = { db, principal, requestId, log: log.child({ workspaceId: principal.workspace.id, apiKeyId: principal.apiKeyId }) };
      const response = await handler(req, ctx);
      response.headers.set("x-request-id", requestId);
      return response;
    } catch (error) {
      const { status, body, headers } = openAIError(error, requestId, log);
      return Response.json(body, { status, headers });
    }
  };
}

/**
 * The project named by the optional `X-Jace-Project` header (its id or its name), so API calls use
 * that project's routing policy and budget and are attributed to it. Null without the header.
 */
export async function projectFromHeader(db: Db, workspaceId: string, req: Request): Promise<string | null> {
  const unverifiedProject = req.headers.get("x-jace-project")?.trim();
  if (!unverifiedProject) return null;
  const project = await db.project.findFirst({
    where: { workspaceId, OR: [{ id: unverifiedProject }, { name: unverifiedProject }] },
    select: { id: true, archivedAt: true },
  });
  if (!project || project.archivedAt) {
    throw new AppError(
      "BAD_REQUEST",
      `X-Jace-Project: no ${project ? "active " : ""}project "${unverifiedProject.slice(0, 100)}" in this workspace. Send a project's id or name, or leave the header out to use the workspace's routing policy.`,
      { details: { param: "X-Jace-Project", code: "project_not_found" } },
    );
  }
  return project.id;
}
