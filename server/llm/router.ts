import type { Db } from "@/server/db";
import { getEnv } from "@/server/env";
import { AppError } from "@/server/errors";
import type { Prisma } from "@/server/generated/prisma/client";
import { logger } from "@/server/logger";
import { projectSettings } from "../features/projects/schemas";
import { planOf } from "../features/billing/plans";
import { CircuitBreaker } from "./breaker";
import { BudgetExhaustedError, reserveBudget, settleBudget, type Reservation } from "./budgets";
import { resolveCatalog } from "./catalog";
import { workspaceOpenAIKey } from "./credentials";
import { cloudCostMicros, estimatePromptTokens, localCostMicros, resolvePricing, type Pricing } from "./pricing";
import { callOpenAI, CloudProviderError } from "./providers/openai";
import { callRunner, pickLocalModel, RunnerProviderError } from "./providers/runner";
import type { Attempt, LlmRequest, LlmResult, ProviderName, RoutingPolicy } from "./types";

/**
 * The one entry point for every model call in Jace. It resolves the requested model through the
 * workspace's catalog, orders the providers by the project's routing policy, skips providers whose
 * circuit is open, reserves budget before a cloud call and settles it after, fails over with the
 * reason recorded, and writes one ModelCall ledger row per call.
 */

export const breaker = new CircuitBreaker({ threshold: 5, cooldownMs: 30_000 });

type Candidate = { provider: "runner"; patterns: string[] } | { provider: "openai"; model: string };

export type RoutePlan = { requested: string; policy: RoutingPolicy; candidates: Candidate[]; pricing: Pricing; workspacePlan: string };

/** How long a call waits for a busy runner before failing over, by policy. */
const queueWaitMs: Record<RoutingPolicy, number> = {
  "local-only": 120_000,
  "local-first": 60_000,
  "cloud-allowed": 5_000,
  "cloud-preferred": 60_000,
};

export async function planRoute(db: Db, req: Pick<LlmRequest, "workspaceId" | "projectId" | "model" | "policy">): Promise<RoutePlan> {
  const [workspace, project] = await Promise.all([
    db.workspace.findUniqueOrThrow({ where: { id: req.workspaceId }, select: { llmSettings: true, plan: true } }),
    req.projectId ? db.project.findFirst({ where: { id: req.projectId, workspaceId: req.workspaceId }, select: { settings: true } }) : null,
  ]);
  const llm = (workspace.llmSettings ?? {}) as { catalog?: unknown; pricing?: unknown };
  const catalog = resolveCatalog(llm.catalog);
  const pricing = resolvePricing(llm.pricing);
  const settings = project ? projectSettings.safeParse(project.settings) : null;
  const policy: RoutingPolicy = req.policy ?? (settings?.success ? settings.data.routingPolicy : undefined) ?? "local-first";

  let local: string[] = [];
  let cloud: string | null = null;
  const entry = catalog[req.model];
  if (entry) {
    local = entry.local;
    cloud = entry.cloud;
  } else if (pricing.cloud[req.model]) {
    cloud = req.model;
  } else if (await offeredByARunner(db, req.workspaceId, req.model)) {
    local = [req.model];
  } else {
    const names = [...Object.keys(catalog), ...Object.keys(pricing.cloud)].join(", ");
    throw new AppError("NOT_FOUND", `Unknown model "${req.model}". Use one of ${names}, or a model one of your runners offers.`, {
      details: { model: req.model },
    });
  }
  const runner: Candidate[] = local.length > 0 ? [{ provider: "runner", patterns: local }] : [];
  const openai: Candidate[] = cloud && policy !== "local-only" ? [{ provider: "openai", model: cloud }] : [];
  const candidates = policy === "cloud-preferred" ? [...openai, ...runner] : [...runner, ...openai];
  if (candidates.length === 0) {
    throw new AppError("UNPROCESSABLE", `Model "${req.model}" has no local equivalent and this project is local-only.`, {
      details: { model: req.model },
    });
  }
  return { requested: req.model, policy, candidates, pricing, workspacePlan: workspace.plan };
}

async function offeredByARunner(db: Db, workspaceId: string, model: string): Promise<boolean> {
  const runners = await db.runner.findMany({ where: { workspaceId, revokedAt: null }, select: { capabilities: true } });
  return runners.some((r) => ((r.capabilities as { models?: { id: string }[] }).models ?? []).some((m) => m.id === model));
}

type Served = {
  provider: ProviderName;
  model: string;
  text: string;
  finishReason: LlmResult["finishReason"];
  promptTokens: number;
  completionTokens: number;
  runnerId: string | null;
  gpuSeconds: number;
  costMicros: number;
};

export async function complete(db: Db, req: LlmRequest): Promise<LlmResult> {
  const started = Date.now();
  const plan = await planRoute(db, req);
  const maxTokens = req.maxTokens ?? 1024;
  const attempts: Attempt[] = [...(req.priorAttempts ?? [])];
  let emitted = false;
  const onToken = req.onToken
    ? (t: string) => {
        emitted = true;
        req.onToken!(t);
      }
    : undefined;
  let budgetError: BudgetExhaustedError | null = null;
  let providerFailed = false;

  for (const c of plan.candidates) {
    if (req.signal?.aborted) break;
    if (req.exclude?.includes(c.provider)) continue;
    const key = c.provider === "runner" ? `runner:${req.workspaceId}` : `openai:${req.workspaceId}`;
    const label = c.provider === "runner" ? c.patterns.join("|") : c.model;
    if (!breaker.allow(key)) {
      attempts.push({
        provider: c.provider,
        model: label,
        reason: `${c.provider} circuit open (retry in ${Math.ceil(breaker.retryInMs(key) / 1000)} s)`,
      });
      continue;
    }
    try {
      const served =
        c.provider === "runner"
          ? await viaRunner(db, req, plan, c.patterns, maxTokens, onToken)
          : await viaCloud(db, req, plan, c.model, maxTokens, onToken);
      if ("reason" in served) {
        breaker.success(key); // not the provider's fault (no runner online, no key, budget)
        attempts.push({ provider: c.provider, model: label, reason: served.reason });
        if (served.budget) budgetError = served.budget;
        continue;
      }
      breaker.success(key);
      const latencyMs = Date.now() - started;
      const call = await record(db, req, plan, { ...served, latencyMs, attempts, status: "succeeded" });
      return {
        callId: call.id,
        text: served.text,
        finishReason: served.finishReason,
        provider: served.provider,
        model: served.model,
        runnerId: served.runnerId,
        usage: { promptTokens: served.promptTokens, completionTokens: served.completionTokens },
        costMicros: served.costMicros,
        latencyMs,
        fallbackReason: attempts[0]?.reason ?? null,
      };
    } catch (err) {
      // The caller's own mistakes and the caller going away are not the provider's fault.
      if (err instanceof AppError && err.code === "BAD_REQUEST") throw err;
      if (req.signal?.aborted) {
        attempts.push({ provider: c.provider, model: label, reason: "cancelled by the caller" });
        break;
      }
      const reason =
        err instanceof RunnerProviderError || err instanceof CloudProviderError
          ? err.reason
          : err instanceof Error
            ? err.message
            : String(err);
      // A busy runner (the job waited and no runner took it) is capacity, not a broken provider.
      if (err instanceof RunnerProviderError && err.busy) {
        attempts.push({ provider: c.provider, model: label, reason });
        continue;
      }
      providerFailed = true;
      breaker.failure(key, err instanceof CloudProviderError ? err.retryAfterMs : null);
      attempts.push({ provider: c.provider, model: label, reason });
      logger.warn({ workspaceId: req.workspaceId, provider: c.provider, reason }, "model call failed over");
      if (emitted) break; // the caller has part of an answer: do not splice another provider's in
    }
  }

  await record(db, req, plan, {
    provider: plan.candidates[0]!.provider,
    model: plan.requested,
    text: "",
    finishReason: "stop",
    promptTokens: 0,
    completionTokens: 0,
    runnerId: null,
    gpuSeconds: 0,
    costMicros: 0,
    latencyMs: Date.now() - started,
    attempts,
    status: "failed",
  });
  if (req.signal?.aborted) throw new AppError("BAD_REQUEST", "The model call was cancelled.");
  if (budgetError && attempts.every((a) => a.provider === "openai" || /no runner|no local/.test(a.reason))) throw budgetError;
  // Only provider failures are worth retrying; "no runner online, no key" stays so until someone acts.
  throw new AppError(
    providerFailed ? "UNAVAILABLE" : "UNPROCESSABLE",
    `No model provider could serve "${plan.requested}": ${attempts.map((a) => `${a.provider}: ${a.reason}`).join("; ")}.`,
    { details: { attempts } },
  );
}

type Skip = { reason: string; budget?: BudgetExhaustedError };

async function viaRunner(
  db: Db,
  req: LlmRequest,
  plan: RoutePlan,
  patterns: string[],
  maxTokens: number,
  onToken?: (t: string) => void,
): Promise<Served | Skip> {
  const pick = await pickLocalModel(db, req.workspaceId, patterns);
  if ("reason" in pick) return { reason: pick.reason };
  const r = await callRunner(db, {
    workspaceId: req.workspaceId,
    model: pick.model,
    messages: req.messages,
    maxTokens,
    temperature: req.temperature,
    seed: req.seed,
    jsonSchema: req.jsonSchema,
    onToken,
    signal: req.signal,
    queueTimeoutMs: queueWaitMs[plan.policy],
    timeoutMs: 10 * 60_000,
  });
  return {
    provider: "runner",
    model: pick.model,
    text: r.text,
    finishReason: r.finishReason,
    promptTokens: r.usage.promptTokens,
    completionTokens: r.usage.completionTokens,
    runnerId: r.runnerId,
    gpuSeconds: r.gpuSeconds,
    costMicros: localCostMicros(plan.pricing, r.runnerId, r.gpuSeconds),
  };
}

async function viaCloud(
  db: Db,
  req: LlmRequest,
  plan: RoutePlan,
  model: string,
  maxTokens: number,
  onToken?: (t: string) => void,
): Promise<Served | Skip> {
  const env = getEnv();
  const ownKey = await workspaceOpenAIKey(db, req.workspaceId);
  const apiKey = ownKey ?? env.OPENAI_API_KEY ?? null;
  if (!apiKey) return { reason: "no OpenAI key configured (workspace or OPENAI_API_KEY)" };
  // Jace's own key spends the plan's included allowance; a workspace's own key is theirs to spend.
  const planAllowanceMicros = ownKey ? null : planOf(plan.workspacePlan).limits.cloudBudgetMicros;
  const estimate = cloudCostMicros(plan.pricing, model, estimatePromptTokens(req.messages), maxTokens);
  let reservation: Reservation;
  try {
    reservation = await reserveBudget(db, req.workspaceId, req.projectId, estimate, { planAllowanceMicros });
  } catch (err) {
    if (err instanceof BudgetExhaustedError) return { reason: `budget: ${err.message}`, budget: err };
    throw err;
  }
  try {
    const r = await callOpenAI({
      apiKey,
      baseUrl: env.OPENAI_BASE_URL,
      model,
      messages: req.messages,
      maxTokens,
      temperature: req.temperature,
      seed: req.seed,
      jsonSchema: req.jsonSchema,
      onToken,
      signal: req.signal,
      timeoutMs: 120_000,
    });
    const cost = cloudCostMicros(plan.pricing, model, r.usage.promptTokens, r.usage.completionTokens);
    await settleBudget(db, reservation, cost);
    return {
      provider: "openai",
      model,
      text: r.text,
      finishReason: r.finishReason,
      promptTokens: r.usage.promptTokens,
      completionTokens: r.usage.completionTokens,
      runnerId: null,
      gpuSeconds: 0,
      costMicros: cost,
    };
  } catch (err) {
    await settleBudget(db, reservation, 0);
    throw err;
  }
}

async function record(
  db: Db,
  req: LlmRequest,
  plan: RoutePlan,
  call: Served & { latencyMs: number; attempts: Attempt[]; status: "succeeded" | "failed" },
) {
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
      baselineMicros: cloudCostMicros(plan.pricing, plan.pricing.baselineModel, call.promptTokens, call.completionTokens),
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
  const workspace = await db.workspace.findUniqueOrThrow({ where: { id: req.workspaceId }, select: { llmSettings: true } });
  const pricing = resolvePricing((workspace.llmSettings as { pricing?: unknown } | null)?.pricing);
  const costMicros = localCostMicros(pricing, job.runnerId, job.gpuSeconds);
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
      baselineMicros: cloudCostMicros(pricing, pricing.baselineModel, job.promptTokens, job.completionTokens),
    },
  });
  return costMicros;
}
