import { z } from "zod";

/** What a runner is asked to do. A job carries only what it needs (e.g. a repo-scoped token). */

export const chatMessage = z.object({ role: z.enum(["system", "user", "assistant"]), content: z.string().max(200_000) });

export const inferenceSpec = z.object({
  kind: z.literal("inference"),
  model: z.string().min(1).max(200),
  messages: z.array(chatMessage).min(1).max(200),
  maxTokens: z.number().int().min(1).max(32_768).default(512),
  temperature: z.number().min(0).max(2).default(0.7),
  /** JSON schema the output must follow (grammar-constrained generation). */
  jsonSchema: z.record(z.string(), z.unknown()).optional(),
  seed: z.number().int().optional(),
  /** Up to 4 strings that end generation (OpenAI's `stop`); the text stops before the first one. */
  stop: z.array(z.string().min(1).max(500)).max(4).optional(),
});

export const sandboxStep = z.object({
  name: z.string().min(1).max(100),
  /** Run with `sh -c` inside the sandbox, in the checkout. */
  run: z.string().min(1).max(10_000),
  /** Network is off unless the step needs it (e.g. installing dependencies). */
  network: z.boolean().default(false),
  timeoutMs: z
    .number()
    .int()
    .min(1000)
    .max(6 * 60 * 60 * 1000)
    .default(10 * 60 * 1000),
});

export const sandboxSpec = z.object({
  kind: z.literal("sandbox"),
  repository: z.object({
    url: z.string().min(1).max(2000),
    ref: z.string().max(250).optional(),
    /** Short-lived token scoped to this repository; used for the clone only, never written to disk. */
    token: z.string().max(2000).optional(),
  }),
  steps: z.array(sandboxStep).min(1).max(50),
  limits: z
    .object({
      memoryBytes: z
        .number()
        .int()
        .positive()
        .max(64 * 1024 ** 3)
        .default(2 * 1024 ** 3),
      cpuSeconds: z
        .number()
        .int()
        .positive()
        .max(24 * 3600)
        .default(3600),
      maxOutputBytes: z
        .number()
        .int()
        .positive()
        .max(100 * 1024 ** 2)
        .default(5 * 1024 ** 2),
    })
    .default({ memoryBytes: 2 * 1024 ** 3, cpuSeconds: 3600, maxOutputBytes: 5 * 1024 ** 2 }),
  /**
   * Files (relative to the checkout) to return, plus the diff of the working tree as `patch`.
   * maxBytes bounds all artifacts together: base64 in one result message must stay under
   * MAX_MESSAGE_BYTES (1 MiB).
   */
  artifacts: z
    .object({
      paths: z.array(z.string().max(500)).max(20).default([]),
      patch: z.boolean().default(false),
      maxBytes: z
        .number()
        .int()
        .positive()
        .max(600 * 1024)
        .default(512 * 1024),
    })
    .default({ paths: [], patch: false, maxBytes: 512 * 1024 }),
});

export const jobSpec = z.discriminatedUnion("kind", [inferenceSpec, sandboxSpec]);

export const usage = z.object({
  promptTokens: z.number().int().nonnegative().default(0),
  completionTokens: z.number().int().nonnegative().default(0),
  gpuSeconds: z.number().nonnegative().default(0),
  cpuSeconds: z.number().nonnegative().default(0),
  wallSeconds: z.number().nonnegative().default(0),
});

export const testSummary = z.object({
  format: z.enum(["junit", "tap", "vitest", "jest", "pytest"]),
  passed: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  skipped: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
  failures: z
    .array(z.object({ name: z.string().max(500), message: z.string().max(2000).optional() }))
    .max(50)
    .default([]),
});

export const artifact = z.object({ name: z.string().max(500), bytes: z.number().int().nonnegative(), contentBase64: z.string() });

export const inferenceOutput = z.object({
  kind: z.literal("inference"),
  text: z.string(),
  finishReason: z.enum(["stop", "length", "cancelled"]),
});

export const sandboxOutput = z.object({
  kind: z.literal("sandbox"),
  steps: z.array(
    z.object({
      name: z.string(),
      exitCode: z.number().int().nullable(),
      signal: z.string().nullable(),
      durationMs: z.number().nonnegative(),
      timedOut: z.boolean(),
    }),
  ),
  summary: testSummary.nullable(),
  artifacts: z.array(artifact).max(25),
  /** True when a step failed or timed out (the job itself still "succeeded" in running). */
  failed: z.boolean(),
});

export const jobOutput = z.discriminatedUnion("kind", [inferenceOutput, sandboxOutput]);

export type InferenceSpec = z.infer<typeof inferenceSpec>;
export type SandboxSpec = z.infer<typeof sandboxSpec>;
export type SandboxStep = z.infer<typeof sandboxStep>;
export type JobSpec = z.infer<typeof jobSpec>;
export type JobSpecInput = z.input<typeof jobSpec>;
export type Usage = z.infer<typeof usage>;
export type TestSummary = z.infer<typeof testSummary>;
export type Artifact = z.infer<typeof artifact>;
export type InferenceOutput = z.infer<typeof inferenceOutput>;
export type SandboxOutput = z.infer<typeof sandboxOutput>;
export type JobOutput = z.infer<typeof jobOutput>;
