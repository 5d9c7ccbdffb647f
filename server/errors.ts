import { randomUUID } from "node:crypto";
import type { TRPC_ERROR_CODE_KEY } from "@trpc/server/rpc";
import { Prisma } from "./generated/prisma/client";

/** Every expected failure in Jace is an AppError; its code decides the tRPC code and HTTP status. */
export const appErrorCodes = {
  BAD_REQUEST: { trpc: "BAD_REQUEST", http: 400 },
  UNAUTHORIZED: { trpc: "UNAUTHORIZED", http: 401 },
  FORBIDDEN: { trpc: "FORBIDDEN", http: 403 },
  NOT_FOUND: { trpc: "NOT_FOUND", http: 404 },
  CONFLICT: { trpc: "CONFLICT", http: 409 },
  GONE: { trpc: "BAD_REQUEST", http: 410 },
  PAYLOAD_TOO_LARGE: { trpc: "PAYLOAD_TOO_LARGE", http: 413 },
  UNPROCESSABLE: { trpc: "UNPROCESSABLE_CONTENT", http: 422 },
  RATE_LIMITED: { trpc: "TOO_MANY_REQUESTS", http: 429 },
  QUOTA_EXCEEDED: { trpc: "FORBIDDEN", http: 402 },
  UNAVAILABLE: { trpc: "SERVICE_UNAVAILABLE", http: 503 },
  INTERNAL: { trpc: "INTERNAL_SERVER_ERROR", http: 500 },
} as const satisfies Record<string, { trpc: TRPC_ERROR_CODE_KEY; http: number }>;

export type AppErrorCode = keyof typeof appErrorCodes;

export class AppError extends Error {
  readonly code: AppErrorCode;
  readonly details?: Record<string, unknown>;

  constructor(code: AppErrorCode, message: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super(message, { cause: options?.cause });
    this.name = "AppError";
    this.code = code;
    this.details = options?.details;
  }

  get httpStatus(): number {
    return appErrorCodes[this.code].http;
  }

  get trpcCode(): TRPC_ERROR_CODE_KEY {
    return appErrorCodes[this.code].trpc;
  }
}

/** Node socket errors of a database that is down, restarting or unreachable. */
const unreachableCodes = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
]);
/** PostgreSQL: admin/crash shutdown, cannot connect now (starting up, shutting down), too many connections. */
const unavailableSqlStates = new Set(["57P01", "57P02", "57P03", "08000", "08001", "08003", "08006", "53300"]);
/** Prisma: cannot reach the server, timed out, server closed the connection, pool timeout. */
const unavailablePrismaCodes = new Set(["P1001", "P1002", "P1017", "P2024"]);
/** Kinds of Prisma's driver-adapter errors that mean the connection, not the query, failed. */
const unavailableAdapterKinds = new Set(["DatabaseNotReachable", "ConnectionClosed", "SocketTimeout", "TooManyConnections"]);
/** What pg says when the server vanishes mid-connection (these errors carry no code). */
const unavailableMessages = /Connection terminated|connection timeout|Client has encountered a connection error/i;

/**
 * True when `error` (or anything in its cause chain) says the database cannot be reached right now,
 * as opposed to a query that failed: the one place that knows pg's, Prisma's and Node's words for it.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const seen = new Set<unknown>();
  let current: unknown = error;
  for (let depth = 0; current && typeof current === "object" && !seen.has(current); depth++) {
    seen.add(current);
    const e = current as { code?: unknown; message?: unknown; meta?: { driverAdapterError?: { cause?: Record<string, unknown> } } };
    const code = typeof e.code === "string" ? e.code : undefined;
    if (code && (unavailableSqlStates.has(code) || unavailablePrismaCodes.has(code))) return true;
    // pg throws socket errors as they are; deeper in a chain they are another client's (fetch's
    // "fetch failed" to a model provider), which is not the database.
    if (code && depth === 0 && unreachableCodes.has(code)) return true;
    const adapter = e.meta?.driverAdapterError?.cause;
    if (adapter) {
      if (typeof adapter.kind === "string" && unavailableAdapterKinds.has(adapter.kind)) return true;
      const sqlState = adapter.originalCode ?? adapter.code;
      if (typeof sqlState === "string" && unavailableSqlStates.has(sqlState)) return true;
    }
    if (current instanceof Error && !(current instanceof AppError) && unavailableMessages.test(String(e.message))) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/** Seconds a client should wait before retrying while the database is unavailable. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

/** Turns any thrown value into an AppError; unknown failures become a redacted INTERNAL error. */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (isDatabaseUnavailable(error)) {
    return new AppError("UNAVAILABLE", `The database is unavailable right now. Retry in ${DATABASE_RETRY_AFTER_SECONDS} s.`, {
      cause: error,
      details: { retryAfterSeconds: DATABASE_RETRY_AFTER_SECONDS },
    });
  }
  if (error instanceof Prisma.PrismaClientKnownRequestError) {
    if (error.code === "P2002") return new AppError("CONFLICT", "That already exists.", { cause: error });
    if (error.code === "P2025") return new AppError("NOT_FOUND", "Not found.", { cause: error });
  }
  return new AppError("INTERNAL", "Something went wrong on our side. It has been logged.", { cause: error });
}

export function newRequestId(): string {
  return randomUUID();
}

export type ErrorBody = { error: { code: AppErrorCode; message: string; requestId: string; details?: Record<string, unknown> } };

/** The one error-to-response function shared by route handlers. */
export function errorResponse(error: unknown, requestId: string, onInternal?: (err: unknown) => void): Response {
  const appError = toAppError(error);
  if (appError.code === "INTERNAL") onInternal?.(error);
  const body: ErrorBody = {
    error: { code: appError.code, message: appError.message, requestId, ...(appError.details ? { details: appError.details } : {}) },
  };
  const headers: Record<string, string> = { "x-request-id": requestId };
  const retryAfter = appError.details?.retryAfterSeconds;
  if ((appError.code === "RATE_LIMITED" || appError.code === "UNAVAILABLE") && typeof retryAfter === "number")
    headers["retry-after"] = String(retryAfter);
  return Response.json(body, { status: appError.httpStatus, headers });
}
