import type { Db } from "@/server/db";
import { getEnv } from "@/server/env";
import { AppError } from "@/server/errors";
import { logger } from "@/server/logger";
import { planOf } from "../features/billing/plans";
import {
  BudgetExhaustedError,
  holdSpec,
  releaseHold,
  reserveBudget,
  sameHold,
  settleBudget,
  type HoldSpec,
  type Reservation,
} from "./budgets";
import { decryptOpenAIKey, workspaceOpenAIKey } from "./credentials";
import type { RoutePlan } from "./plan";
import {
  cloudContextTokens,
  cloudCostMicros,
  estimatePromptTokens,
  localCostMicros,
  minPromptTokens,
  pricingFor,
  type KeySource,
  type Pricing,
} from "./pricing";
import { callOpenAI, CloudProviderError, type CloudCallResult } from "./providers/openai";
import { callRunner, pickFromRunners, pickLocalModel, RunnerProviderError, type RunnerCallResult } from "./providers/runner";
import type { LlmRequest, LlmResult, ProviderName, RoutingPolicy } from "./types";

/**
 * One attempt of a model call on one provider, classified for the router: served, skipped (not
 * the provider's fault: nothing online, no key, budget spent, busy, prompt too long), failed (the
 * provider broke: counts against its circuit), or cancelled. The caller's mistakes are thrown as
 * 400s; database errors are thrown as they are. Budget bookkeeping happens outside the provider
 * call, so it can never be mistaken for a provider failure.
 */

export type Served = {
  provider: ProviderName;
  model: string;
  text: string;
  finishReason: LlmResult["finishReason"];
  promptTokens: number;
  completionTokens: number;
  runnerId: string | null;
  gpuSeconds: number;
  costMicros: number;
  keySource: KeySource | null;
};

export type Outcome =
  /** `settlement`: the reservation the ledger row settles in the same statement (server/llm/ledger.ts). */
  | { kind: "served"; served: Served; settlement?: { reservation: Reservation; actualMicros: number } }
  | { kind: "skipped"; reason: string; model?: string; budget?: BudgetExhaustedError; tooLong?: boolean }
  | { kind: "cancelled"; reason: string; model?: string }
  | { kind: "failed"; reason: string; model?: string; retryAfterMs: number | null; partial: Served | null };

/** How long a call waits for a busy runner before failing over, by policy. */
const queueWaitMs: Record<RoutingPolicy, number> = {
  "local-only": 120_000,
  "local-first": 60_000,
  "cloud-allowed": 5_000,
  "cloud-preferred": 60_000,
};

/** How long the key, runners and budgets read with a route plan are used as they are. */
const READ_FRESH_MS = 1000;
/** The plan's reads still stand: no earlier attempt took a while (a key saved, a runner gone meanwhile). */
const fresh = (plan: RoutePlan) => Date.now() - plan.readAt < READ_FRESH_MS;

const cancelled = (model?: string): Outcome => ({ kind: "cancelled", reason: "cancelled by the caller", ...(model ? { model } : {}) });

export async function viaRunner(
  db: Db,
  req: LlmRequest,
  plan: RoutePlan,
  patterns: string[],
  onToken?: (t: string) => void,
): Promise<Outcome> {
  const promptTokens = minPromptTokens(req.messages);
  const pick = fresh(plan)
    ? pickFromRunners(plan.runners, patterns, promptTokens)
    : await pickLocalModel(db, req.workspaceId, patterns, promptTokens);
  if ("reason" in pick) return { kind: "skipped", reason: pick.reason, ...(pick.tooLong ? { tooLong: true } : {}) };
  const model = pick.model;
  let r: RunnerCallResult;
  try {
    r = await callRunner(db, {
      workspaceId: req.workspaceId,
      model,
      messages: req.messages,
      maxTokens: req.maxTokens ?? 1024,
      temperature: req.temperature,
      seed: req.seed,
      stop: req.stop,
      jsonSchema: req.jsonSchema,
      onToken,
      signal: req.signal,
      queueTimeoutMs: queueWaitMs[plan.policy],
      timeoutMs: req.timeoutMs ?? 10 * 60_000,
    });
  } catch (err) {
    if (!(err instanceof RunnerProviderError)) throw err;
    if (req.signal?.aborted) return cancelled(model);
    switch (err.kind) {
      case "schema":
        throw new AppError(
          "BAD_REQUEST",
          `The local model cannot follow the requested JSON schema (${err.reason.replace(/^runner error: unsupported jsonSchema: /, "")}). Fix the schema, or ask for a model that runs in the cloud.`,
          { details: { param: "response_format.json_schema.schema", code: "invalid_json_schema" } },
        );
      case "busy":
        return { kind: "skipped", reason: err.reason, model };
      case "context":
        return { kind: "skipped", reason: err.reason, model, tooLong: true };
      default:
        return { kind: "failed", reason: err.reason, model, retryAfterMs: null, partial: null };
    }
  }
  return {
    kind: "served",
    served: {
      provider: "runner",
      model,
      text: r.text,
      finishReason: r.finishReason,
      promptTokens: r.usage.promptTokens,
      completionTokens: r.usage.completionTokens,
      runnerId: r.runnerId,
      gpuSeconds: r.gpuSeconds,
      costMicros: localCostMicros(plan.pricing, r.runnerId, r.gpuSeconds),
      keySource: null,
    },
  };
}

export async function viaCloud(db: Db, req: LlmRequest, plan: RoutePlan, model: string, onToken?: (t: string) => void): Promise<Outcome> {
  const env = getEnv();
  const ownKey = fresh(plan)
    ? plan.encryptedKey
      ? decryptOpenAIKey(req.workspaceId, plan.encryptedKey)
      : null
    : await workspaceOpenAIKey(db, req.workspaceId);
  const apiKey = ownKey ?? env.OPENAI_API_KEY ?? null;
  if (!apiKey) return { kind: "skipped", reason: "no OpenAI key configured (workspace or OPENAI_API_KEY)", model };
  const keySource: KeySource = ownKey ? "workspace" : "system";
  const terms = cloudTerms(req, plan, keySource, model, fresh(plan));
  if ("skipped" in terms) return terms.skipped;
  const { pricing, maxTokens, estimate } = terms;
  let reservation: Reservation;
  try {
    const early = await takeHold(db, plan, terms.hold);
    reservation = terms.hold ? (early ?? (await reserveHold(db, req, terms.hold))) : { rows: [], amountMicros: estimate };
  } catch (err) {
    if (err instanceof BudgetExhaustedError) return { kind: "skipped", reason: `budget: ${err.message}`, model, budget: err };
    throw err;
  }

  let r: CloudCallResult | null = null;
  let failure: CloudProviderError | null = null;
  try {
    r = await callOpenAI({
      apiKey,
      baseUrl: env.OPENAI_BASE_URL,
      model,
      messages: req.messages,
      maxTokens,
      temperature: req.temperature,
      seed: req.seed,
      stop: req.stop,
      jsonSchema: req.jsonSchema,
      onToken,
      signal: req.signal,
      timeoutMs: req.timeoutMs ?? 120_000,
    });
  } catch (err) {
    if (!(err instanceof CloudProviderError)) {
      await settle(db, reservation, 0, req);
      throw err; // the caller's own onToken failed
    }
    failure = err;
  }

  const served = (x: {
    text: string;
    finishReason: Served["finishReason"];
    usage: { promptTokens: number; completionTokens: number };
  }): Served => ({
    provider: "openai",
    model,
    text: x.text,
    finishReason: x.finishReason,
    promptTokens: x.usage.promptTokens,
    completionTokens: x.usage.completionTokens,
    runnerId: null,
    gpuSeconds: 0,
    costMicros: cloudCostMicros(pricing, model, x.usage.promptTokens, x.usage.completionTokens),
    keySource,
  });
  if (r) {
    const s = served(r);
    return { kind: "served", served: s, settlement: { reservation, actualMicros: s.costMicros } };
  }
  const f = failure!;
  // Tokens a stream produced before it broke were generated and are paid for.
  const partial = f.partial ? served({ ...f.partial, finishReason: "stop" }) : null;
  await settle(db, reservation, partial?.costMicros ?? 0, req);
  if (req.signal?.aborted) return cancelled(model);
  if (f.callerError) {
    throw new AppError("BAD_REQUEST", `OpenAI refused the request: ${f.message.replace(/^OpenAI request failed: /, "")}`, {
      details: { param: null, code: f.code },
    });
  }
  // A bad key, a model the key cannot use, a spent OpenAI quota: waiting will not help, and it says nothing about OpenAI's health.
  if (!f.retryable) return { kind: "skipped", reason: f.reason, model };
  return { kind: "failed", reason: f.reason, model, retryAfterMs: f.retryAfterMs, partial };
}

/** What a cloud call on `model` with this key costs and holds, or why it cannot go. */
type CloudTerms = { pricing: Pricing; maxTokens: number; estimate: number; hold: HoldSpec | null } | { skipped: Outcome };

/**
 * The terms of a cloud call: the prices that follow the key, whether the prompt fits, and the
 * budget to hold (null when no budget applies). One function for the call itself and for the
 * router's guess of it (expectedHold), so a hold made early is exactly the one the call would make.
 */
function cloudTerms(
  req: Pick<LlmRequest, "messages" | "maxTokens" | "projectId">,
  plan: HoldBasis,
  keySource: KeySource,
  model: string,
  planIsFresh: boolean,
): CloudTerms {
  // The key decides the prices (a key saved or removed since the plan was made included).
  const pricing = pricingFor(plan.workspacePricing, keySource);
  if (!pricing.cloud[model]) {
    const reason = `cloud model ${model} is only available with your own OpenAI key (Settings -> AI providers)`;
    return { skipped: { kind: "skipped", reason, model } };
  }
  const promptTokens = minPromptTokens(req.messages);
  const context = cloudContextTokens[model];
  if (context && promptTokens >= context) {
    const reason = `the prompt (about ${promptTokens.toLocaleString("en-US")} tokens) does not fit the context of ${model} (${context.toLocaleString("en-US")})`;
    return { skipped: { kind: "skipped", reason, model, tooLong: true } };
  }
  const maxTokens = req.maxTokens ?? 1024;
  // Jace's own key spends the plan's included allowance; a workspace's own key is theirs to spend.
  const planAllowanceMicros = keySource === "system" ? planOf(plan.workspacePlan).limits.cloudBudgetMicros : null;
  const estimate = cloudCostMicros(pricing, model, estimatePromptTokens(req.messages), maxTokens);
  // A call on the workspace's own key, which no budget of the workspace or the project limits (as read
  // with the plan, just now), has nothing to hold: one round trip fewer.
  const unbudgeted =
    planIsFresh && planAllowanceMicros === null && !plan.budgetScopes.some((s) => s === "workspace" || s === req.projectId);
  return { pricing, maxTokens, estimate, hold: unbudgeted ? null : holdSpec(req.projectId, estimate, planAllowanceMicros) };
}

/** What the cloud terms depend on in a route plan. */
export type HoldBasis = Pick<RoutePlan, "workspacePricing" | "workspacePlan" | "budgetScopes">;

/**
 * The hold a cloud call on `model` would make, judged on an earlier plan of the same request (the
 * router's guess, made before this call's plan is read); null when it would hold nothing.
 */
export function expectedHold(req: LlmRequest, basis: HoldBasis, keySource: KeySource, model: string): HoldSpec | null {
  const terms = cloudTerms(req, basis, keySource, model, true);
  return "skipped" in terms ? null : terms.hold;
}

/**
 * The hold made with the plan when it is the one wanted (null: none is), taken off the plan either
 * way; one not wanted is given back before the call, so it cannot crowd out other calls meanwhile.
 */
async function takeHold(db: Db, plan: RoutePlan, wanted: HoldSpec | null): Promise<Reservation | null> {
  const held = plan.hold;
  if (!held) return null;
  plan.hold = null;
  if (wanted && held.complete && sameHold(held.spec, wanted)) return held.reservation;
  await releaseHold(db, held.reservation);
  return null;
}

const reserveHold = (db: Db, req: LlmRequest, spec: HoldSpec) =>
  reserveBudget(db, req.workspaceId, req.projectId, spec.amountMicros, { planAllowanceMicros: spec.planAllowanceMicros });

/**
 * Settles a reservation after the provider answered. A failure here is Jace's, not the provider's:
 * the answer stands and the ledger row still carries the true cost; the reservation expires.
 */
async function settle(db: Db, reservation: Reservation, actualMicros: number, req: LlmRequest): Promise<void> {
  try {
    await settleBudget(db, reservation, actualMicros);
  } catch (err) {
    logger.error({ err, workspaceId: req.workspaceId, actualMicros }, "budget settle failed; the reservation is released when it expires");
  }
}
