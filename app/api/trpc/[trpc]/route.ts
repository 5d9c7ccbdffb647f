import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { appRouter } from "@/server/api/root";
import { contextFromHeaders } from "@/server/api/server-caller";
import { AppError, errorResponse, newRequestId } from "@/server/errors";

const MAX_BODY_BYTES = 1_000_000;

async function handler(req: Request): Promise<Response> {
  const length = Number(req.headers.get("content-length") ?? 0);
  if (length > MAX_BODY_BYTES) {
    return errorResponse(
      new AppError("PAYLOAD_TOO_LARGE", "Request body is larger than 1 MB."),
      req.headers.get("x-request-id") ?? newRequestId(),
    );
  }
  return fetchRequestHandler({
    endpoint: "/api/trpc",
    req,
    router: appRouter,
    createContext: () => contextFromHeaders(req.headers),
  });
}

export { handler as GET, handler as POST };
