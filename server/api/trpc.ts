import { initTRPC, TRPCError } from "@trpc/server";
import superjson from "superjson";
import { z, ZodError } from "zod";
import type { Role } from "../generated/prisma/enums";
import type { Workspace } from "../generated/prisma/client";
import { can, type Permission } from "../auth/permissions";
import { AppError, toAppError } from "../errors";
import { readOnlyReason } from "../features/billing/quotas";
import type { Context } from "./context";

const t = initTRPC.context<Context>().create({
  transformer: superjson,
  errorFormatter({ shape, error, ctx }) {
    const zodError = error.cause instanceof ZodError ? z.flattenError(error.cause) : null;
    const appCode = error.cause instanceof AppError ? error.cause.code : undefined;
    // Unknown failures were already logged; the client sees a redacted message and the request id.
    const message =
      error.code === "INTERNAL_SERVER_ERROR" ? `Something went wrong on our side (request ${ctx?.requestId ?? "?"}).` : shape.message;
    return { ...shape, message, data: { ...shape.data, stack: undefined, zodError, appCode, requestId: ctx?.requestId } };
  },
});

/** Converts AppError and Prisma errors thrown by services into tRPC errors, and logs unknown ones. */
const errorMapping = t.middleware(async ({ ctx, next, path }) => {
  const result = await next();
  if (!result.ok) {
    const cause = result.error.cause;
    if (result.error.code === "INTERNAL_SERVER_ERROR" && cause && !(cause instanceof ZodError)) {
      const appError = toAppError(cause);
      if (appError.code === "INTERNAL") ctx.log.error({ err: cause, path }, "procedure failed");
      else throw new TRPCError({ code: appError.trpcCode, message: appError.message, cause: appError });
    }
  }
  return result;
});

export const createTRPCRouter = t.router;
export const createCallerFactory = t.createCallerFactory;

export const publicProcedure = t.procedure.use(errorMapping);

export const protectedProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.session) throw new TRPCError({ code: "UNAUTHORIZED", message: "Sign in to continue." });
  return next({ ctx: { ...ctx, session: ctx.session } });
});

export const workspaceInput = z.object({ workspaceSlug: z.string().min(1).max(64) });

export type WorkspaceContext = { workspace: Workspace; role: Role };

/** What still works in a workspace that is read-only after a failed payment: reading, paying, leaving. */
const allowedWhileReadOnly = new Set<Permission>(["workspace.read", "audit.read", "billing.manage", "workspace.delete"]);

/**
 * Procedures that stop or take away rather than create, so a read-only workspace can still be made
 * safe and tidy (revoke a leaked key, a runner, a member; cancel work; watch an enrollment finish).
 */
export const cleanUpWhileReadOnly = new Set<string>([
  "apiKey.revoke",
  "runner.revoke",
  "runner.cancelJob",
  "runner.enrollmentStatus",
  "member.remove",
  "member.revokeInvitation",
  "task.cancel",
]);

/**
 * Resolves the workspace from the slug in the input and the caller's membership, and checks the
 * declared permission. A workspace the caller is not a member of is reported as NOT_FOUND, so
 * slugs of other tenants cannot be probed.
 */
export function workspaceProcedure(permission: Permission) {
  return protectedProcedure.input(workspaceInput).use(async ({ ctx, input, next, path }) => {
    const membership = await ctx.db.membership.findFirst({
      where: { userId: ctx.session.userId, workspace: { slug: input.workspaceSlug } },
      include: { workspace: { include: { billingAccount: { select: { status: true, graceEndsAt: true } } } } },
    });
    if (!membership) throw new TRPCError({ code: "NOT_FOUND", message: "Workspace not found, or you are not a member of it." });
    if (!can(membership.role, permission)) {
      throw new TRPCError({ code: "FORBIDDEN", message: `Your role (${membership.role}) does not allow this. Ask a workspace admin.` });
    }
    const { billingAccount, ...workspace } = membership.workspace;
    const readOnly = allowedWhileReadOnly.has(permission) || cleanUpWhileReadOnly.has(path) ? null : readOnlyReason(billingAccount);
    if (readOnly) {
      throw new TRPCError({
        code: "FORBIDDEN",
        message: `This workspace is read-only: ${readOnly}. An owner can pay the open invoice on the Billing page.`,
      });
    }
    return next({
      ctx: { ...ctx, workspace, role: membership.role, log: ctx.log.child({ workspaceId: membership.workspaceId }) },
    });
  });
}
