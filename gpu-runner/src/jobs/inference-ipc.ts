import type { InferenceOutput, InferenceSpec, Usage } from "../protocol";

/**
 * Messages between the runner and its model process (child_process IPC). Both ends are this
 * package's own code, so these are plain types rather than zod schemas.
 */

export type WorkerInit = { threads: number; memoryBudgetBytes: number; gpu: "auto" | "cuda" | "vulkan" | "metal" | false };

export type ToWorker =
  | { type: "init"; init: WorkerInit }
  | { type: "run"; jobId: string; spec: InferenceSpec; model: { id: string; path: string; sizeBytes: number } }
  | { type: "cancel"; jobId: string }
  | { type: "shutdown" };

export type WorkerResult = {
  status: "succeeded" | "failed" | "cancelled";
  output: InferenceOutput | null;
  error: string | null;
  /** wallSeconds is measured by the parent, which also sees the queueing and start-up. */
  usage: Omit<Usage, "wallSeconds">;
};

export type FromWorker =
  | { type: "progress"; jobId: string; phase: "loading_model" | "generating"; fraction: number | null }
  | { type: "token"; jobId: string; text: string }
  | { type: "result"; jobId: string; result: WorkerResult }
  | { type: "log"; level: "error" | "warn" | "info" | "debug"; message: string };
