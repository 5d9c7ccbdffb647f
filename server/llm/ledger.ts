import type { Db } from "@/server/db";
import type { Prisma } from "@/server/generated/prisma/client";
import { cloudEquivalent, workspaceRouting, type RoutePlan } from "./plan";
import { baselineCostMicros, localCostMicros, type KeySource } from "./pricing";
import type { Attempt, LlmRequest, ProviderName } from "./types";

/** The ModelCall ledger: one row per model call, with what it cost and what the cloud would have. */

export type LedgerEntry = {
  provider: ProviderName;
  model: string;
  promptTokens: number;
  completionTokens: number;
  runnerId: string | null;
  gpuSeconds: number;
  costMicros: number;
  /** Whose OpenAI key paid (cloud calls only). */
  keySource: KeySource | null;
  latencyMs: number;
  attempts: Attempt[];
  status: "succeeded" | "failed";
};

/**
 * A cloud call's baseline is its own cost; a local call's is its tokens on the cloud model the
 * requested model maps to (so a `smart` call is compared with gpt-4o, a `fast` one with gpt-4o-mini).
 */
function baselineOf(
  plan: Pick<RoutePlan, "pricing" | "baselineModel">,
  e: Pick<LedgerEntry, "provider" | "costMicros" | "promptTokens" | "completionTokens">,
) {
  if (e.provider === "openai") return e.costMicros;
  return baselineCostMicros(plan.pricing, plan.baselineModel, e.promptTokens, e.completionTokens);
}

export async function recordCall(db: Db, req: LlmRequest, plan: RoutePlan, call: LedgerEntry) {
  return db.modelCall.create({
    data: {
      workspaceId: req.workspaceId,
      projectId: req.projectId ?? null,
      taskId: req.taskId ?? null,
      apiKeyId: req.apiKeyId ?? null,
      provider: call.provider,
      model: call.model,
      requestedModel: plan.requested,
      runnerId: call.runnerId,
      status: call.status,
      promptTokens: call.promptTokens,
      completionTokens: call.completionTokens,
      latencyMs: call.latencyMs,
      gpuSeconds: call.gpuSeconds,
      costMicros: call.costMicros,
      keySource: call.provider === "openai" ? call.keySource : null,
      baselineMicros: baselineOf(plan, call),
      fallbackReason: call.status === "succeeded" ? (call.attempts[0]?.reason ?? null) : null,
      attempts: call.attempts as unknown as Prisma.InputJsonValue,
      error: call.status === "failed" ? call.attempts.map((a) => `${a.provider}: ${a.reason}`).join("; ") : null,
      stream: Boolean(req.onToken),
    },
  });
}

/** Ledger row for a runner job the task pipeline ran itself (durably, outside `complete`). */
export async function recordRunnerCall(
  db: Db,
  req: Pick<LlmRequest, "workspaceId" | "projectId" | "taskId" | "model"> & { callId: string },
  job: { model: string; runnerId: string | null; promptTokens: number; completionTokens: number; gpuSeconds: number; latencyMs: number },
): Promise<number> {
  const routing = await workspaceRouting(db, req.workspaceId);
  const costMicros = localCostMicros(routing.pricing, job.runnerId, job.gpuSeconds);
  const baseline = { pricing: routing.pricing, baselineModel: cloudEquivalent(routing, req.model) };
  // Keyed by the job, so a repeated pipeline step records the call once.
  await db.modelCall.createMany({
    skipDuplicates: true,
    data: {
      id: req.callId,
      workspaceId: req.workspaceId,
      projectId: req.projectId ?? null,
      taskId: req.taskId ?? null,
      provider: "runner",
      model: job.model,
      requestedModel: req.model,
      runnerId: job.runnerId,
      status: "succeeded",
      promptTokens: job.promptTokens,
      completionTokens: job.completionTokens,
      latencyMs: job.latencyMs,
      gpuSeconds: job.gpuSeconds,
      costMicros,
      baselineMicros: baselineOf(baseline, { provider: "runner", costMicros, ...job }),
    },
  });
  return costMicros;
}
