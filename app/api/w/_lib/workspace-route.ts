import { currentUser, type SessionUser } from "@/server/auth";
import { can, type Permission } from "@/server/auth/permissions";
import { getDb, type Db } from "@/server/db";
import { AppError, errorResponse, newRequestId } from "@/server/errors";
import type { Workspace } from "@/server/generated/prisma/client";
import type { Role } from "@/server/generated/prisma/enums";
import { logger, type Logger } from "@/server/logger";

export type WorkspaceRouteContext<P> = {
  db: Db;
  user: SessionUser;
  workspace: Workspace;
  role: Role;
  params: P;
  requestId: string;
  log: Logger;
};

/**
 * Route handlers under /api/w/[slug] for the signed-in browser: the same rules as
 * `workspaceProcedure` (session from Auth.js, membership by slug, declared permission). Signed
 * out is 401; a workspace the user is not a member of is 404, so other tenants cannot be probed.
 */
export function withWorkspaceMember<P extends { slug: string }>(
  permission: Permission,
  handler: (req: Request, ctx: WorkspaceRouteContext<P>) => Promise<Response>,
) {
  return async (req: Request, { params }: { params: Promise<P> }): Promise<Response> => {
    const requestId = req.headers.get("x-request-id") ?? newRequestId();
    let log = logger.child({ requestId });
    try {
      const user = await currentUser();
      if (!user) throw new AppError("UNAUTHORIZED", "Sign in to continue.");
      const resolved = await params;
      const db = getDb();
      const membership = await db.membership.findFirst({
        where: { userId: user.id, workspace: { slug: resolved.slug } },
        include: { workspace: true },
      });
      if (!membership) throw new AppError("NOT_FOUND", "Workspace not found, or you are not a member of it.");
      if (!can(membership.role, permission)) {
        throw new AppError("FORBIDDEN", `Your role (${membership.role}) does not allow this. Ask a workspace admin.`);
      }
      log = log.child({ workspaceId: membership.workspaceId, userId: user.id });
      const response = await handler(req, {
        db,
        user,
        workspace: membership.workspace,
        role: membership.role,
        params: resolved,
        requestId,
        log,
      });
      response.headers.set("x-request-id", requestId);
      return response;
    } catch (error) {
      return errorResponse(error, requestId, (err) => log.error({ err }, "workspace route failed"));
    }
  };
}
