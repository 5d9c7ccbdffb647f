import { chatCompletion, readChatCompletionRequest, streamChatCompletion, toLlmRequest } from "@/server/llm/openai-compat";
import { projectFromHeader, withOpenAIApiKey } from "@/server/llm/openai-http";

/**
 * POST /api/v1/chat/completions: OpenAI's chat completions API over the model router, so the
 * official SDKs (base URL `<app>/api/v1`, a workspace API key) reach the workspace's runners first
 * and the cloud under its budgets. `X-Jace-Project` (optional) applies a project's routing policy
 * and budget; without it the workspace's default policy applies.
 */
export const POST = withOpenAIApiKey(async (req, { db, principal, requestId, log }) => {
  const body = await readChatCompletionRequest(req);
  const projectId = await projectFromHeader(db, principal.workspace.id, req);
  const call = toLlmRequest(principal.workspace.id, principal.apiKeyId, body, projectId);
  if (!body.stream) return chatCompletion(db, call, req.signal);
  return streamChatCompletion(db, call, { includeUsage: body.stream_options?.include_usage === true, signal: req.signal, requestId, log });
});
