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

/** Turns any thrown value into an AppError; unknown failures become a redacted INTERNAL error. */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
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
  if (appError.code === "RATE_LIMITED" && typeof retryAfter === "number") headers["retry-after"] = String(retryAfter);
  return Response.json(body, { status: appError.httpStatus, headers });
}
