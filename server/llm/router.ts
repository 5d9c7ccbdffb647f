import type { Db } from "@/server/db";
import { AppError } from "@/server/errors";
import { logger } from "@/server/logger";
import { CircuitBreaker } from "./breaker";
import { releaseHold, type BudgetExhaustedError, type HoldSpec } from "./budgets";
import { recordCall, type LedgerEntry } from "./ledger";
import { planRoute, type RoutePlan } from "./plan";
import { expectedHold, viaCloud, viaRunner, type HoldBasis, type Outcome, type Served } from "./attempts";
import type { KeySource } from "./pricing";
import type { Attempt, LlmRequest, LlmResult } from "./types";

export { planRoute, type RoutePlan } from "./plan";
export { recordRunnerCall } from "./ledger";

/**
 * The one entry point for every model call in Jace. It resolves the requested model through the
 * workspace's catalog, orders the providers by the routing policy, skips providers whose circuit
 * is open, reserves budget before a cloud call and settles it after, fails over with the reason
 * recorded, and writes one ModelCall ledger row per call.
 *
 * Only a provider's own failures count against its circuit and fail over: the caller's mistakes
 * (400), the caller going away, and database errors end the call where they happen, so a paid
 * call is never served (or charged) twice.
 */

/** Tests move the breaker's clock past a cooldown instead of waiting for it. */
let breakerClockSkewMs = 0;
export const breaker = new CircuitBreaker({ threshold: 5, cooldownMs: 30_000, now: () => Date.now() + breakerClockSkewMs });
export const advanceBreakerClock = (ms: number) => void (breakerClockSkewMs += ms);

const breakerKey = (provider: "runner" | "openai", workspaceId: string) => `${provider}:${workspaceId}`;

/**
 * The cloud calls that went first for a request shape (workspace, project, model, policy), as their
 * plans priced them: the next such call holds its budget in the route's own round trip instead of
 * one of its own. The call checks the guess against its fresh plan, so a stale one costs a release.
 */
const CLOUD_FIRST_SHAPES = 10_000;
const cloudFirst = new Map<string, { model: string; keySource: KeySource; basis: HoldBasis }>();
const shapeOf = (req: LlmRequest) => [req.workspaceId, req.projectId ?? "", req.model, req.policy ?? ""].join("\0");

function guessHold(req: LlmRequest): HoldSpec | undefined {
  const last = cloudFirst.get(shapeOf(req));
  if (!last || req.exclude?.includes("openai") || breaker.state(breakerKey("openai", req.workspaceId)) !== "closed") return undefined;
  return expectedHold(req, last.basis, last.keySource, last.model) ?? undefined;
}

function rememberShape(req: LlmRequest, plan: RoutePlan): void {
  const shape = shapeOf(req);
  const first = plan.candidates[0]!;
  cloudFirst.delete(shape);
  if (first.provider !== "openai" || !plan.keySource) return;
  if (cloudFirst.size >= CLOUD_FIRST_SHAPES) cloudFirst.delete(cloudFirst.keys().next().value!);
  const basis = { workspacePricing: plan.workspacePricing, workspacePlan: plan.workspacePlan, budgetScopes: plan.budgetScopes };
  cloudFirst.set(shape, { model: first.model, keySource: plan.keySource, basis });
}

export async function complete(db: Db, req: LlmRequest): Promise<LlmResult> {
  const plan = await planRoute(db, req, guessHold(req));
  rememberShape(req, plan);
  try {
    return await route(db, req, plan);
  } finally {
    await releaseUnusedHold(db, req, plan);
  }
}

/** Gives back a hold made with the plan that the first cloud attempt did not take (the route changed since the guess). */
async function releaseUnusedHold(db: Db, req: LlmRequest, plan: RoutePlan): Promise<void> {
  const held = plan.hold;
  if (!held) return;
  plan.hold = null;
  await releaseHold(db, held.reservation).catch((err: unknown) =>
    logger.error({ err, workspaceId: req.workspaceId }, "releasing an unused budget hold failed; it is released when it expires"),
  );
}

async function route(db: Db, req: LlmRequest, plan: RoutePlan): Promise<LlmResult> {
  const started = plan.readAt;
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
  let tried = 0;
  let tooLong = 0;
  /** What a cloud stream that failed midway used: billed, and recorded on the failed call. */
  let billed: Served | null = null;

  for (const c of plan.candidates) {
    if (req.signal?.aborted) break;
    if (req.exclude?.includes(c.provider)) continue;
    tried += 1;
    const key = breakerKey(c.provider, req.workspaceId);
    const label = c.provider === "runner" ? c.patterns.join("|") : c.model;
    if (!breaker.allow(key)) {
      attempts.push({
        provider: c.provider,
        model: label,
        reason: `${c.provider} circuit open (retry in ${Math.ceil(breaker.retryInMs(key) / 1000)} s)`,
      });
      continue;
    }
    // A hold made with the plan is for a cloud attempt: not held while a runner works.
    if (c.provider === "runner") await releaseUnusedHold(db, req, plan);
    let outcome: Outcome;
    try {
      outcome =
        c.provider === "runner" ? await viaRunner(db, req, plan, c.patterns, onToken) : await viaCloud(db, req, plan, c.model, onToken);
    } catch (err) {
      // A database error or the caller's own mistake: not the provider's health, no failover.
      breaker.release(key);
      if (err instanceof AppError && err.code === "BAD_REQUEST") {
        attempts.push({ provider: c.provider, model: label, reason: `refused: ${err.message}` });
        await recordFailure(db, req, plan, attempts, started, null);
      }
      throw err;
    }

    // Only the first attempt can take it: give it back before any other runs.
    await releaseUnusedHold(db, req, plan);
    if (outcome.kind === "served") {
      breaker.success(key);
      const latencyMs = Date.now() - started;
      const s = outcome.served;
      const call = await recordCall(db, req, plan, { ...s, latencyMs, attempts, status: "succeeded" }, outcome.settlement);
      return {
        callId: call.id,
        text: s.text,
        finishReason: s.finishReason,
        provider: s.provider,
        model: s.model,
        runnerId: s.runnerId,
        usage: { promptTokens: s.promptTokens, completionTokens: s.completionTokens },
        costMicros: s.costMicros,
        latencyMs,
        fallbackReason: attempts[0]?.reason ?? null,
      };
    }
    attempts.push({ provider: c.provider, model: outcome.model ?? label, reason: outcome.reason });
    if (outcome.kind === "failed") {
      providerFailed = true;
      breaker.failure(key, outcome.retryAfterMs);
      billed = outcome.partial;
      logger.warn({ workspaceId: req.workspaceId, provider: c.provider, reason: outcome.reason }, "model call failed over");
      if (emitted) break; // the caller has part of an answer: do not splice another provider's in
      continue;
    }
    breaker.release(key);
    if (outcome.kind === "cancelled") break;
    if (outcome.budget) budgetError = outcome.budget;
    if (outcome.tooLong) tooLong += 1;
  }

  await recordFailure(db, req, plan, attempts, started, billed);
  if (req.signal?.aborted) throw new AppError("BAD_REQUEST", "The model call was cancelled.");
  if (budgetError && attempts.every((a) => a.provider === "openai" || /no runner|no local/.test(a.reason))) throw budgetError;
  if (tried > 0 && tooLong === tried) {
    throw new AppError(
      "BAD_REQUEST",
      `The prompt is too long for every model "${plan.requested}" can use: ${attempts.at(-1)!.reason}. Shorten it or split the work.`,
      {
        details: { param: "messages", code: "context_length_exceeded" },
      },
    );
  }
  // Only provider failures are worth retrying; "no runner online, no key" stays so until someone acts.
  throw new AppError(
    providerFailed ? "UNAVAILABLE" : "UNPROCESSABLE",
    `No model provider could serve "${plan.requested}": ${attempts.map((a) => `${a.provider}: ${a.reason}`).join("; ")}.`,
    { details: { attempts } },
  );
}

/** The failed call's ledger row: nothing served, except what a stream used before it broke. */
async function recordFailure(db: Db, req: LlmRequest, plan: RoutePlan, attempts: Attempt[], started: number, billed: Served | null) {
  const entry: LedgerEntry = {
    provider: billed?.provider ?? plan.candidates[0]!.provider,
    model: billed?.model ?? plan.requested,
    promptTokens: billed?.promptTokens ?? 0,
    completionTokens: billed?.completionTokens ?? 0,
    runnerId: null,
    gpuSeconds: 0,
    costMicros: billed?.costMicros ?? 0,
    keySource: billed?.keySource ?? null,
    latencyMs: Date.now() - started,
    attempts,
    status: "failed",
  };
  await recordCall(db, req, plan, entry);
}
