import { listModels, withOpenAIApiKey } from "@/server/llm/openai-compat";

/** GET /api/v1/models: the models this workspace can call, in OpenAI's list shape. */
export const GET = withOpenAIApiKey(async (_req, { db, principal }) => Response.json(await listModels(db, principal.workspace.id)));
