import { createInferenceRunner, type InferenceRunnerOptions } from "./inference";
import { runSandboxJob, type SandboxRunOptions } from "./sandbox";
import type { JobExecutor, JobOutcome, JobsConfig } from "./types";

export type JobExecutorOptions = InferenceRunnerOptions & SandboxRunOptions;

const zeroUsage = { promptTokens: 0, completionTokens: 0, gpuSeconds: 0, cpuSeconds: 0, wallSeconds: 0 };

/**
 * The runner's job workers behind one `run(spec, ctx)`, dispatching on the job kind. `run` never
 * rejects: an unexpected error (disk full, work directory not writable) becomes a failed outcome.
 */
export function createJobExecutor(config: JobsConfig, opts: JobExecutorOptions = {}): JobExecutor {
  const inference = createInferenceRunner(config, opts);
  return {
    run: async (spec, ctx): Promise<JobOutcome> => {
      try {
        return spec.kind === "inference" ? await inference.run(spec, ctx) : await runSandboxJob(spec, ctx, config, opts);
      } catch (error) {
        return { status: "failed", output: null, error: `runner error: ${(error as Error).message}`, usage: zeroUsage };
      }
    },
    close: () => inference.close(),
  };
}

export type { JobContext, JobExecutor, JobOutcome, JobsConfig } from "./types";
