import { createInferenceRunner, type InferenceRunnerOptions } from "./inference";
import { runSandboxJob, type SandboxRunOptions } from "./sandbox";
import type { JobExecutor, JobsConfig } from "./types";

export type JobExecutorOptions = InferenceRunnerOptions & SandboxRunOptions;

/** The runner's job workers behind one `run(spec, ctx)`, dispatching on the job kind. */
export function createJobExecutor(config: JobsConfig, opts: JobExecutorOptions = {}): JobExecutor {
  const inference = createInferenceRunner(config, opts);
  return {
    run: (spec, ctx) => (spec.kind === "inference" ? inference.run(spec, ctx) : runSandboxJob(spec, ctx, config, opts)),
    close: () => inference.close(),
  };
}

export type { JobContext, JobExecutor, JobOutcome, JobsConfig } from "./types";
