import type { JobOutput, JobSpec, Usage } from "../protocol";

/** What a job worker gets from the connection: its id, a cancel signal and streaming callbacks. */
export type JobContext = {
  jobId: string;
  signal: AbortSignal;
  emitChunk: (stream: "token" | "stdout" | "stderr" | "log", data: string) => void;
  emitProgress: (
    phase: "loading_model" | "cloning" | "running" | "collecting" | "generating",
    fraction: number | null,
    message?: string,
  ) => void;
};

export type JobOutcome = {
  status: "succeeded" | "failed" | "cancelled";
  output: JobOutput | null;
  error: string | null;
  usage: Usage;
};

export type JobsConfig = {
  /** Directory of GGUF models (and their registry file). */
  modelsDir: string;
  /** Scratch space for sandbox checkouts; each job gets a throwaway directory inside. */
  workDir: string;
  /** CPU threads for llama.cpp (set explicitly: the default oversubscribes small machines). */
  threads: number;
  /** Run sandbox jobs without bubblewrap when it is missing. Off unless the operator opts in. */
  allowUnsandboxed: boolean;
  /** VRAM (or RAM on CPU) the runner may use for warm models; models are evicted beyond it. */
  memoryBudgetBytes: number;
};

export type JobExecutor = {
  run: (spec: JobSpec, ctx: JobContext) => Promise<JobOutcome>;
  close: () => Promise<void>;
};
