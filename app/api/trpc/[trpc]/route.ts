import { contextFromHeaders } from "@/server/api/server-caller";
import { handleTrpcRequest } from "@/server/api/trpc-http";

function handler(req: Request): Promise<Response> {
  return handleTrpcRequest(req, () => contextFromHeaders(req.headers));
}

export { handler as GET, handler as POST };
