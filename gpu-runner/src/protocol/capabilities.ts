import { z } from "zod";

export const gpuInfo = z.object({
  name: z.string().max(200),
  vramTotalBytes: z.number().int().nonnegative(),
  vramFreeBytes: z.number().int().nonnegative(),
});

export const modelInfo = z.object({
  /** Stable id the app refers to, e.g. "llama-3.2-3b-instruct-q4_k_m". */
  id: z.string().min(1).max(200),
  sizeBytes: z.number().int().nonnegative(),
  quantization: z.string().max(50).nullable(),
  contextLength: z.number().int().positive().nullable(),
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .nullable(),
});

export const sandboxKind = z.enum(["bwrap", "none"]);

export const capabilities = z.object({
  runnerVersion: z.string().max(50),
  os: z.string().max(100),
  arch: z.string().max(50),
  cpu: z.object({ model: z.string().max(200), cores: z.number().int().positive() }),
  ramBytes: z.number().int().nonnegative(),
  backend: z.enum(["cuda", "vulkan", "metal", "cpu"]),
  gpus: z.array(gpuInfo).max(16),
  models: z.array(modelInfo).max(200),
  labels: z
    .array(
      z
        .string()
        .min(1)
        .max(50)
        .regex(/^[a-z0-9][a-z0-9._-]*$/),
    )
    .max(50),
  /** "none" is only reported when the operator allowed unsandboxed runs. */
  sandboxes: z.array(sandboxKind).max(4),
  maxConcurrentJobs: z.number().int().min(1).max(64),
});

export type GpuInfo = z.infer<typeof gpuInfo>;
export type ModelInfo = z.infer<typeof modelInfo>;
export type SandboxKind = z.infer<typeof sandboxKind>;
export type Capabilities = z.infer<typeof capabilities>;
