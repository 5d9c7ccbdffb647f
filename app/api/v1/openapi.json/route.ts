import { openApiDocument } from "@/server/api/openapi";
import { getEnv } from "@/server/env";

/** GET /api/v1/openapi.json: the REST API's OpenAPI 3.1 document (public, like the API's docs). */
export function GET(): Response {
  return Response.json(openApiDocument(getEnv().appUrl), { headers: { "cache-control": "public, max-age=300" } });
}
