/** The model router's vocabulary, shared by the providers, the ledger and the endpoint. */

export type ChatMessage = { role: "system" | "user" | "assistant"; content: string };

/**
 * Where a workspace's or project's model calls may go:
 * - local-only: enrolled runners only;
 * - local-first (default): runners; the cloud only when no runner can serve the call;
 * - cloud-allowed: runners when one is free now (short queue wait), else the cloud at once;
 * - cloud-preferred: the cloud; runners when the cloud fails or the budget is spent.
 */
export const routingPolicies = ["local-only", "local-first", "cloud-allowed", "cloud-preferred"] as const;
export type RoutingPolicy = (typeof routingPolicies)[number];

export type ProviderName = "runner" | "openai";

export type LlmRequest = {
  workspaceId: string;
  projectId?: string | null;
  taskId?: string | null;
  apiKeyId?: string | null;
  /** A logical model of the catalog (fast, smart, coder) or a concrete local or cloud model. */
  model: string;
  messages: ChatMessage[];
  maxTokens?: number;
  temperature?: number;
  seed?: number;
  /** Up to 4 strings that end the answer (OpenAI's `stop`): the text ends before the first one. */
  stop?: string[];
  /** JSON schema the output must follow. */
  jsonSchema?: Record<string, unknown>;
  /** Overrides the project's policy (e.g. a task kind that must stay local). */
  policy?: RoutingPolicy;
  /** Receives the text as it is generated (streaming). */
  onToken?: (text: string) => void;
  signal?: AbortSignal;
  /** Deadline of each provider attempt (default: 10 min on a runner, 2 min in the cloud). */
  timeoutMs?: number;
  /** Providers not to try (the caller already tried them), and why they failed. */
  exclude?: ProviderName[];
  priorAttempts?: Attempt[];
};

export type Usage = { promptTokens: number; completionTokens: number };

export type LlmResult = {
  callId: string;
  text: string;
  finishReason: "stop" | "length" | "cancelled";
  provider: ProviderName;
  model: string;
  runnerId: string | null;
  usage: Usage;
  costMicros: number;
  latencyMs: number;
  /** Why the router did not use its first choice; null when it did. */
  fallbackReason: string | null;
};

/** One failed attempt, recorded on the call that finally served the request (or failed). */
export type Attempt = { provider: ProviderName; model: string; reason: string };
