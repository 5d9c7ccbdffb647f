import { TRPCError } from "@trpc/server";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { AppError, errorResponse, newRequestId, toAppError } from "../errors";
import type { Context } from "./context";
import { readText } from "./rest-input";
import { appRouter } from "./root";

/** The largest tRPC request body, counted in bytes read (chunked bodies carry no content-length). */
export const MAX_TRPC_BODY_BYTES = 1_000_000;

/**
 * Serves /api/trpc: the body is read here, at most MAX_TRPC_BODY_BYTES of it, before tRPC sees it,
 * so an oversized body is a 413 whether or not it declared its length. A database outage while
 * building the context or running a procedure is a 503 with Retry-After, like the REST API's.
 */
export async function handleTrpcRequest(req: Request, createContext: () => Promise<Context>): Promise<Response> {
  const requestId = req.headers.get("x-request-id") ?? newRequestId();
  let request = req;
  if (req.method !== "GET" && req.method !== "HEAD") {
    let body: string;
    try {
      body = await readText(req, MAX_TRPC_BODY_BYTES);
    } catch (error) {
      return errorResponse(error, requestId);
    }
    const headers = new Headers(req.headers);
    headers.delete("content-length");
    headers.delete("transfer-encoding");
    request = new Request(req.url, { method: req.method, headers, body, signal: req.signal });
  }
  return fetchRequestHandler({
    endpoint: "/api/trpc",
    req: request,
    router: appRouter,
    createContext: async () => {
      try {
        return await createContext();
      } catch (error) {
        const appError = toAppError(error);
        if (appError.code === "INTERNAL") throw error;
        throw new TRPCError({ code: appError.trpcCode, message: appError.message, cause: appError });
      }
    },
    responseMeta: ({ errors }) => {
      const retryAfter = errors.map(retryAfterSeconds).find((s) => s !== undefined);
      return retryAfter === undefined ? {} : { headers: { "retry-after": String(retryAfter) } };
    },
  });
}

/** The Retry-After of a 503 or 429, as the REST API sends it. */
function retryAfterSeconds(error: TRPCError): number | undefined {
  if (error.code !== "SERVICE_UNAVAILABLE" && error.code !== "TOO_MANY_REQUESTS") return undefined;
  const seconds = error.cause instanceof AppError ? error.cause.details?.retryAfterSeconds : undefined;
  return typeof seconds === "number" ? seconds : undefined;
}
