import { NonRetriableError } from "inngest";
import type { InferenceSpec } from "@jace/gpu-runner/protocol";
import type { Db } from "@/server/db";
import { AppError } from "@/server/errors";
import { complete } from "@/server/llm/router";
import type { Analysis } from "./analyze";
import type { JobOutcome, JobPhase } from "./execute";
import { appendLog, setTaskStatus, startStep } from "./progress";

/**
 * The cloud leg of a task's inference, through the model router (budget reserved and settled,
 * ledger row written), when no runner could serve it or the runner job failed.
 */
export async function cloudTaskCall(
  db: Db,
  taskId: string,
  phase: JobPhase,
  analysis: Analysis,
  spec: InferenceSpec,
  localFailure: string | null,
  /** Aborted when the step is cut off at its timeout: the call stops instead of being paid twice. */
  signal?: AbortSignal,
): Promise<JobOutcome> {
  const task = await db.task.findUniqueOrThrow({ where: { id: taskId } });
  if (phase === "execute") {
    await setTaskStatus(db, task, "running", { statusReason: "Asking a cloud model" });
    await startStep(db, task, "execute", `cloud (${analysis.requestedModel})`);
  }
  const reason = localFailure ?? analysis.localReason ?? "no local model";
  try {
    const r = await complete(db, {
      workspaceId: task.workspaceId,
      projectId: task.projectId,
      taskId,
      model: analysis.requestedModel,
      messages: spec.messages,
      maxTokens: spec.maxTokens,
      temperature: spec.temperature,
      jsonSchema: spec.jsonSchema,
      exclude: ["runner"],
      signal,
      priorAttempts: [{ provider: "runner", model: analysis.model ?? analysis.requestedModel, reason }],
    });
    await appendLog(
      db,
      task,
      `Served by ${r.provider} ${r.model} (local: ${reason}); ${r.usage.promptTokens + r.usage.completionTokens} tokens, $${(r.costMicros / 1e6).toFixed(4)}`,
      { step: phase },
    );
    return {
      jobId: r.callId,
      runnerId: null,
      output: { kind: "inference", text: r.text, finishReason: r.finishReason },
      usage: {
        promptTokens: r.usage.promptTokens,
        completionTokens: r.usage.completionTokens,
        gpuSeconds: 0,
        cpuSeconds: 0,
        wallSeconds: r.latencyMs / 1000,
      },
    };
  } catch (err) {
    // Budget spent, no key, unknown model: retrying will not help; the reason goes to the task.
    if (err instanceof AppError && err.code !== "UNAVAILABLE") throw new NonRetriableError(err.message);
    throw err;
  }
}
