import { NonRetriableError } from "inngest";
import type { Db } from "@/server/db";
import { projectSettings } from "../projects/schemas";
import { planRoute } from "@/server/llm/router";
import { pickFromRunners } from "@/server/llm/providers/runner";
import { appendLog, finishStep, setTaskStatus, startStep } from "./progress";
import { taskInput, type TaskInput } from "./schemas";

/**
 * The analyze step: decide what the task needs, deterministically. The kind and its input come
 * from the channel's command parser (server/features/tasks/command.ts) or the form; the model
 * router will classify free text here once it exists (the Model routing issue).
 */

export const DEFAULT_TASK_TIMEOUT_MINUTES = 60;

export type Analysis = {
  input: TaskInput;
  /** The logical (or concrete) model the project asks for, e.g. "fast". */
  requestedModel: string;
  /** Local model the runner jobs use; null when no runner of the workspace can serve it now. */
  model: string | null;
  /** Why no local model (when model is null). */
  localReason: string | null;
  /** The project's routing policy lets calls go to the cloud when local cannot serve them. */
  cloudAllowed: boolean;
  repository: { url: string; ref?: string } | null;
  requiresApproval: boolean;
  approvalReason?: string;
  /** The task's deadline (ms since epoch), from the project's timeout. */
  deadline: number;
  timeoutMinutes: number;
};

/** The local model for the task's requested model, and whether the cloud may stand in. */
async function chooseModel(db: Db, workspaceId: string, projectId: string, requested: string) {
  try {
    const plan = await planRoute(db, { workspaceId, projectId, model: requested });
    const runner = plan.candidates.find((c) => c.provider === "runner");
    const cloudAllowed = plan.candidates.some((c) => c.provider === "openai");
    if (!runner || runner.provider !== "runner") return { model: null, localReason: "the model has no local equivalent", cloudAllowed };
    const pick = pickFromRunners(plan.runners, runner.patterns);
    return "model" in pick
      ? { model: pick.model, localReason: null, cloudAllowed }
      : { model: null, localReason: pick.reason, cloudAllowed };
  } catch (err) {
    throw new NonRetriableError(err instanceof Error ? err.message : String(err));
  }
}

/**
 * The pipeline's first step. Null when the task has already finished: cancelled before its run got
 * here, by a cancel event stored while the run was being created, which that run's cancelOn cannot
 * see (the task's own status is written before the event is sent, so this step always can).
 */
export async function analyzeTask(db: Db, taskId: string): Promise<Analysis | null> {
  const task = await db.task.findUniqueOrThrow({ where: { id: taskId }, include: { project: true } });
  if (!(await setTaskStatus(db, task, "analyzing"))) return null;
  await startStep(db, task, "analyze");
  const parsed = taskInput.safeParse(task.input);
  if (!parsed.success) {
    await finishStep(db, task, "analyze", "failed", { error: "The task's input is not valid." });
    throw new NonRetriableError(`The task's input is not valid: ${parsed.error.issues[0]?.message ?? "unknown"}`);
  }
  const input = parsed.data;
  const settings = projectSettings.safeParse(task.project.settings);
  const project = settings.success ? settings.data : {};
  const timeoutMinutes = project.taskTimeoutMinutes ?? DEFAULT_TASK_TIMEOUT_MINUTES;
  const requestedModel = project.model || "fast";
  const choice =
    input.kind !== "test"
      ? await chooseModel(db, task.workspaceId, task.projectId, requestedModel)
      : { model: null, localReason: null, cloudAllowed: false };
  const repository =
    input.kind === "test"
      ? { url: input.repository, ...(input.branch || project.defaultBranch ? { ref: input.branch || project.defaultBranch } : {}) }
      : null;
  const approvalReason =
    input.kind === "custom"
      ? "Custom tasks run a plan the model wrote: a person approves it first."
      : task.requiresApproval
        ? "This project requires approval before Jace runs anything."
        : undefined;
  const analysis: Analysis = {
    input,
    requestedModel,
    model: choice.model,
    localReason: choice.localReason,
    cloudAllowed: choice.cloudAllowed,
    repository,
    requiresApproval: task.requiresApproval,
    approvalReason,
    deadline: task.createdAt.getTime() + timeoutMinutes * 60_000,
    timeoutMinutes,
  };
  const what =
    input.kind === "ask"
      ? `a question for ${choice.model ?? (choice.cloudAllowed ? `the cloud (${choice.localReason})` : "a local model")}`
      : input.kind === "test"
        ? `a test run of ${input.repository}${repository?.ref ? ` @ ${repository.ref}` : ""}`
        : "custom work to plan";
  await appendLog(db, task, `Analyzed: ${what}${task.requiresApproval ? "; needs approval" : ""}`, { step: "analyze" });
  await finishStep(db, task, "analyze", "succeeded", { detail: input.kind });
  return analysis;
}
