import { withApiKey } from "@/server/api/rest";

/** GET /api/v1/workspace: the workspace an API key belongs to (a cheap way to test a key). */
export const GET = withApiKey(async (_req, { principal }) =>
  Response.json({ workspace: principal.workspace, apiKey: { id: principal.apiKeyId, name: principal.name } }),
);
