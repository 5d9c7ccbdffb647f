import { randomUUID } from "node:crypto";
import { sqlRows, type Db } from "@/server/db";
import { Prisma } from "@/server/generated/prisma/client";
import { alertOnCrossing, settleBudget, settleCtes, type Reservation, type Touched } from "./budgets";
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

/**
 * Writes the call's ledger row, and settles its budget reservation in the same statement when it
 * has one: one round trip after the provider answered. When the row cannot be written, the call
 * is still settled on its own, so a paid answer is charged once even when the ledger is down.
 */
export async function recordCall(
  db: Db,
  req: LlmRequest,
  plan: RoutePlan,
  call: LedgerEntry,
  settlement?: { reservation: Reservation; actualMicros: number },
): Promise<{ id: string }> {
  const id = randomUUID();
  const error = call.status === "failed" ? call.attempts.map((a) => `${a.provider}: ${a.reason}`).join("; ") : null;
  const settle = settlement && settlement.reservation.rows.length > 0 ? settlement : null;
  const write = sqlRows<Touched>(
    db,
    Prisma.sql`
    WITH ${settle ? settleCtes(settle.reservation, settle.actualMicros) : Prisma.sql`touched AS (SELECT NULL::text AS id WHERE false)`},
    call AS (
      INSERT INTO "ModelCall" (id, "workspaceId", "projectId", "taskId", "apiKeyId", provider, model, "requestedModel", "runnerId", status,
                               "promptTokens", "completionTokens", "latencyMs", "gpuSeconds", "costMicros", "keySource", "baselineMicros",
                               "fallbackReason", attempts, error, stream)
      SELECT ${id}, ${req.workspaceId}, ${req.projectId ?? null}, ${req.taskId ?? null}, ${req.apiKeyId ?? null}, ${call.provider}, ${call.model},
             ${plan.requested}, ${call.runnerId}, ${call.status}, ${call.promptTokens}, ${call.completionTokens}, ${Math.round(call.latencyMs)},
             ${call.gpuSeconds}, ${call.costMicros}, ${call.provider === "openai" ? call.keySource : null}, ${baselineOf(plan, call)},
             ${call.status === "succeeded" ? (call.attempts[0]?.reason ?? null) : null}, ${JSON.stringify(call.attempts)}::jsonb, ${error},
             ${Boolean(req.onToken)}
    )
    SELECT touched.* FROM touched`,
  );
  const touched = await write.catch(async (err: unknown) => {
    // The ledger row failed (the statement rolled back whole): the paid call is still settled on its own.
    if (settle) await settleBudget(db, settle.reservation, settle.actualMicros);
    throw err;
  });
  if (settle) await alertOnCrossing(db, touched, settle.actualMicros);
  return { id };
}

/** What a runner reported for a job (the protocol's usage; absent on a job that reported none). */
export type RunnerJobUsage = { promptTokens?: number; completionTokens?: number; gpuSeconds?: number } | null;

/**
 * Ledger row for a runner job the task pipeline ran itself (durably, outside `complete`). Only the
 * GPU seconds the runner reported are billed as GPU time: a CPU-only runner reports 0 and its call
 * costs the energy price alone, as the task page and the usage page show it.
 */
export async function recordRunnerCall(
  db: Db,
  req: Pick<LlmRequest, "workspaceId" | "projectId" | "taskId" | "model"> & { callId: string },
  run: { model: string; runnerId: string | null; usage: RunnerJobUsage; latencyMs: number },
): Promise<number> {
  const job = {
    model: run.model,
    runnerId: run.runnerId,
    promptTokens: run.usage?.promptTokens ?? 0,
    completionTokens: run.usage?.completionTokens ?? 0,
    gpuSeconds: run.usage?.gpuSeconds ?? 0,
    latencyMs: run.latencyMs,
  };
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
