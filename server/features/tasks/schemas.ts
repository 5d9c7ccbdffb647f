import { z } from "zod";

export const taskKinds = ["ask", "test", "custom"] as const;
export const taskSources = ["web", "api", "slack", "github", "telegram", "gmail", "trello"] as const;
export const taskStatuses = [
  "queued",
  "analyzing",
  "planning",
  "awaiting_approval",
  "running",
  "delivering",
  "succeeded",
  "failed",
  "cancelled",
] as const;
export const terminalTaskStatuses = ["succeeded", "failed", "cancelled"] as const;

export type TaskKind = (typeof taskKinds)[number];
export type TaskSource = (typeof taskSources)[number];
export type TaskStatus = (typeof taskStatuses)[number];

export const isTerminal = (status: string) => (terminalTaskStatuses as readonly string[]).includes(status);

const repositoryUrl = z
  .string()
  .trim()
  .min(1, "Enter the repository's URL.")
  .max(2000)
  .refine((v) => /^(https?:\/\/|git@|file:\/\/|\/)/.test(v), "Enter a git URL such as https://github.com/acme/api.");

/** What each kind of task needs, as people and API clients submit it. */
export const taskInput = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("ask"),
    question: z.string().trim().min(1, "Ask a question.").max(20_000, "Keep the question under 20,000 characters."),
  }),
  z.object({
    kind: z.literal("test"),
    repository: repositoryUrl,
    branch: z
      .string()
      .trim()
      .max(250)
      .regex(/^[\w./-]*$/, "Branch names use letters, digits, and . _ / -")
      .optional(),
  }),
  z.object({
    kind: z.literal("custom"),
    instructions: z.string().trim().min(1, "Describe what Jace should do.").max(20_000, "Keep the instructions under 20,000 characters."),
  }),
]);
export type TaskInput = z.infer<typeof taskInput>;

export const createTaskInput = z.object({
  /** Defaults to the workspace's oldest active project. */
  projectId: z.string().min(1).max(64).optional(),
  title: z.string().trim().max(200).optional(),
  task: taskInput,
  /** Ask for approval before executing even when the project does not require it. */
  requireApproval: z.boolean().optional(),
});
export type CreateTaskInput = z.infer<typeof createTaskInput>;

export const listTasksInput = z.object({
  status: z.enum(taskStatuses).optional(),
  projectId: z.string().max(64).optional(),
  source: z.enum(taskSources).optional(),
  kind: z.enum(taskKinds).optional(),
  /** Task id to continue after (newest first). */
  cursor: z.string().max(64).optional(),
  limit: z.number().int().min(1).max(100).default(25),
});
export type ListTasksInput = z.infer<typeof listTasksInput>;

/** The plan stored on a task and shown for approval. */
export const taskPlan = z.object({
  summary: z.string(),
  steps: z.array(z.object({ title: z.string(), detail: z.string().optional() })),
  runner: z.object({ kind: z.enum(["inference", "sandbox"]), model: z.string().optional() }),
  requiresApproval: z.boolean(),
  approvalReason: z.string().optional(),
});
export type TaskPlan = z.infer<typeof taskPlan>;

export const testSummaryOutput = z.object({
  passed: z.number(),
  failed: z.number(),
  skipped: z.number(),
  total: z.number(),
  failures: z.array(z.object({ name: z.string(), message: z.string().optional() })),
});

/** The result stored on a task when it succeeds (or fails with something to show). */
export const taskResult = z.object({
  /** Markdown shown on the task page and sent back to the channel. */
  text: z.string(),
  tests: testSummaryOutput.nullable().optional(),
  runnerId: z.string().nullable().optional(),
  jobId: z.string().optional(),
  /** Set when the work ran but did not pass ("Tests failed: 1 of 2"): delivered, then the task fails. */
  failure: z.string().nullable().optional(),
});
export type TaskResult = z.infer<typeof taskResult>;

export const taskUsage = z.object({
  promptTokens: z.number(),
  completionTokens: z.number(),
  gpuSeconds: z.number(),
  cpuSeconds: z.number(),
  wallSeconds: z.number(),
});

export const taskOutput = z.object({
  id: z.string(),
  number: z.number(),
  projectId: z.string(),
  projectName: z.string(),
  kind: z.enum(taskKinds),
  title: z.string(),
  input: taskInput,
  source: z.string(),
  status: z.enum(taskStatuses),
  statusReason: z.string().nullable(),
  requiresApproval: z.boolean(),
  plan: taskPlan.nullable(),
  result: taskResult.nullable(),
  error: z.string().nullable(),
  costMicros: z.number(),
  usage: taskUsage.nullable(),
  createdByLabel: z.string(),
  decidedByLabel: z.string().nullable(),
  decidedAt: z.date().nullable(),
  replayOfId: z.string().nullable(),
  createdAt: z.date(),
  updatedAt: z.date(),
  startedAt: z.date().nullable(),
  finishedAt: z.date().nullable(),
});
export type TaskOutput = z.infer<typeof taskOutput>;

export const taskStepOutput = z.object({
  name: z.string(),
  status: z.string(),
  attempts: z.number(),
  detail: z.string().nullable(),
  error: z.string().nullable(),
  startedAt: z.date(),
  finishedAt: z.date().nullable(),
});

export const artifactOutput = z.object({
  id: z.string(),
  name: z.string(),
  contentType: z.string(),
  bytes: z.number(),
  createdAt: z.date(),
});

export const taskDetailOutput = taskOutput.extend({
  steps: z.array(taskStepOutput),
  artifacts: z.array(artifactOutput),
  replays: z.array(z.object({ id: z.string(), number: z.number(), status: z.enum(taskStatuses) })),
  /** The runner holding (or that ran) the task's latest runner job; null while none has it. */
  runner: z.object({ id: z.string(), name: z.string() }).nullable(),
});
export type TaskDetailOutput = z.infer<typeof taskDetailOutput>;

export const taskLogOutput = z.object({
  id: z.number(),
  level: z.string(),
  step: z.string().nullable(),
  message: z.string(),
  createdAt: z.date(),
});
export type TaskLogOutput = z.infer<typeof taskLogOutput>;

export const taskCounts = z.record(z.enum(taskStatuses), z.number());
