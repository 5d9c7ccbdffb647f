import type { RoutingPolicy } from "@/server/llm/types";

/** The routing policies of server/llm/types.ts, in the words a workspace admin needs. */
export const policyOptions: { value: RoutingPolicy; label: string; explain: string }[] = [
  { value: "local-only", label: "Local only", explain: "Runners only: calls wait for a runner and never go to the cloud." },
  { value: "local-first", label: "Local first", explain: "Runners; the cloud only when no runner can serve the call." },
  { value: "cloud-allowed", label: "Cloud allowed", explain: "A runner if one is free right now, otherwise the cloud at once." },
  { value: "cloud-preferred", label: "Cloud preferred", explain: "The cloud; runners when the cloud fails or the budget is spent." },
];
