import { listModels } from "@/server/llm/openai-compat";
import { withOpenAIApiKey } from "@/server/llm/openai-http";

/** GET /api/v1/models: the models this workspace can call, in OpenAI's list shape. */
export const GET = withOpenAIApiKey(async (_req, { db, principal }) => Response.json(await listModels(db, principal.workspace.id)));
