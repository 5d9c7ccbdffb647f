import type { Inngest } from "inngest";
import { taskPipeline, defaultPipelineOptions, type PipelineOptions } from "./tasks/pipeline";
import { taskIntakeSweep } from "./tasks/sweep";
import { budgetMaintenance } from "./llm/budget-maintenance";
import { meterUsage } from "./billing/meter-usage";
import { slackDigest } from "./slack/digest";
import { registerSlackDelivery } from "@/server/integrations/slack";

export type FunctionOptions = { pipeline?: Partial<PipelineOptions> };

/** Every function Jace serves at /api/inngest. */
export function createFunctions(inngest: Inngest, opts: FunctionOptions = {}) {
  // Channels deliver from where the pipeline runs (the route's module graph, in dev and prod).
  registerSlackDelivery();
  return [
    taskPipeline(inngest, { ...defaultPipelineOptions, ...opts.pipeline }),
    taskIntakeSweep(inngest),
    budgetMaintenance(inngest),
    meterUsage(inngest),
    slackDigest(inngest),
  ];
}
