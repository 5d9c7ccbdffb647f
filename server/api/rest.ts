import { authenticateApiKey, type ApiKeyPrincipal } from "../features/api-keys/api-keys";
import { getDb, type Db } from "../db";
import { errorResponse, newRequestId } from "../errors";
import { assertWritable } from "../features/billing/quotas";
import { checkRateLimit } from "../features/billing/rate-limit";
import { logger, type Logger } from "../logger";

export type RestContext = { db: Db; principal: ApiKeyPrincipal; requestId: string; log: Logger };

/** Writes allowed in a read-only workspace: they stop work rather than start it. */
const cleanUpWhileReadOnly = [/^\/api\/v1\/tasks\/[^/]+\/cancel$/];

/**
 * Wraps a REST v1 handler: authenticates the workspace API key, applies the workspace's rate limit
 * and, for writes, its read-only state (after a failed payment's grace period), gives the handler
 * a request-scoped logger, and turns every error into the shared JSON error body.
 */
export function withApiKey(handler: (req: Request, ctx: RestContext) => Promise<Response>) {
  return async (req: Request): Promise<Response> => {
    const requestId = req.headers.get("x-request-id") ?? newRequestId();
    const log = logger.child({ requestId });
    try {
      const db = getDb();
      const principal = await authenticateApiKey(db, req.headers.get("authorization"));
      await checkRateLimit(db, principal.workspace, "api");
      const path = new URL(req.url).pathname;
      if (req.method !== "GET" && req.method !== "HEAD" && !cleanUpWhileReadOnly.some((re) => re.test(path))) {
        await assertWritable(db, principal.workspace);
      }
      const response = await handler(req, {
        db,
        principal,
        requestId,
        log: log.child({ workspaceId: principal.workspace.id, apiKeyId: principal.apiKeyId }),
      });
      response.headers.set("x-request-id", requestId);
      return response;
    } catch (error) {
      return errorResponse(error, requestId, (err) => log.error({ err }, "REST request failed"));
    }
  };
}
