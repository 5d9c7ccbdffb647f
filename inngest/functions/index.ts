import type { Inngest } from "inngest";
import { taskPipeline, defaultPipelineOptions, type PipelineOptions } from "./tasks/pipeline";
import { taskIntakeSweep } from "./tasks/sweep";
import { budgetMaintenance } from "./llm/budget-maintenance";

export type FunctionOptions = { pipeline?: Partial<PipelineOptions> };

/** Every function Jace serves at /api/inngest. */
export function createFunctions(inngest: Inngest, opts: FunctionOptions = {}) {
  return [taskPipeline(inngest, { ...defaultPipelineOptions, ...opts.pipeline }), taskIntakeSweep(inngest), budgetMaintenance(inngest)];
}
