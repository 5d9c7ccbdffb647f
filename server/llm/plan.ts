import { z } from "zod";
import type { Db } from "@/server/db";
import { getEnv } from "@/server/env";
import { AppError } from "@/server/errors";
import { projectSettings } from "../features/projects/schemas";
import { resolveCatalog, type CatalogEntry } from "./catalog";
import { pricingFor, resolvePricing, type KeySource, type Pricing } from "./pricing";
import { routingPolicies, type LlmRequest, type RoutingPolicy } from "./types";

/**
 * Where a model call may go: the workspace's catalog resolves the requested model to local
 * patterns and a cloud model, the routing policy (call, project, workspace default) orders them,
 * and the key that would pay for a cloud call decides which cloud prices and models apply.
 */

/** Workspace.llmSettings as the router reads it; the models feature writes it. */
export const llmSettings = z.object({
  catalog: z.unknown().optional(),
  pricing: z.unknown().optional(),
  /** The workspace's default policy: API calls without a project, and projects without their own. */
  routingPolicy: z.enum(routingPolicies).optional(),
});
export type LlmSettings = z.infer<typeof llmSettings>;

export function readLlmSettings(raw: unknown): LlmSettings {
  const parsed = llmSettings.safeParse(raw ?? {});
  return parsed.success ? parsed.data : {};
}

export type Candidate = { provider: "runner"; patterns: string[] } | { provider: "openai"; model: string };

export type RoutePlan = {
  requested: string;
  policy: RoutingPolicy;
  candidates: Candidate[];
  /** Prices for this call: cloud prices follow the key (see pricingFor). */
  pricing: Pricing;
  /** The workspace's own prices, overrides included (what applies with its own key). */
  workspacePricing: Pricing;
  workspacePlan: string;
  /** Whose key a cloud call would use now; null when neither is configured. */
  keySource: KeySource | null;
  /** The cloud model the requested model maps to (the call's cloud-only baseline); null without one. */
  baselineModel: string | null;
};

type WorkspaceRouting = {
  catalog: Record<string, CatalogEntry>;
  pricing: Pricing;
  workspacePricing: Pricing;
  keySource: KeySource | null;
  settings: LlmSettings;
  plan: string;
};

/** The workspace's catalog and the prices that apply to its calls with the key it would use. */
export async function workspaceRouting(db: Db, workspaceId: string): Promise<WorkspaceRouting> {
  const [workspace, credential] = await Promise.all([
    db.workspace.findUniqueOrThrow({ where: { id: workspaceId }, select: { llmSettings: true, plan: true } }),
    db.providerCredential.findUnique({ where: { workspaceId_provider: { workspaceId, provider: "openai" } }, select: { id: true } }),
  ]);
  const settings = readLlmSettings(workspace.llmSettings);
  const keySource: KeySource | null = credential ? "workspace" : getEnv().OPENAI_API_KEY ? "system" : null;
  const workspacePricing = resolvePricing(settings.pricing);
  return {
    catalog: resolveCatalog(settings.catalog),
    pricing: pricingFor(workspacePricing, keySource),
    workspacePricing,
    keySource,
    settings,
    plan: workspace.plan,
  };
}

/** The cloud model a requested model stands for: its catalog entry's, or itself when it is a priced cloud model. */
export function cloudEquivalent(routing: Pick<WorkspaceRouting, "catalog" | "pricing">, requested: string): string | null {
  const entry = routing.catalog[requested];
  if (entry) return entry.cloud;
  return routing.pricing.cloud[requested] ? requested : null;
}

export async function planRoute(db: Db, req: Pick<LlmRequest, "workspaceId" | "projectId" | "model" | "policy">): Promise<RoutePlan> {
  const [routing, project] = await Promise.all([
    workspaceRouting(db, req.workspaceId),
    req.projectId ? db.project.findFirst({ where: { id: req.projectId, workspaceId: req.workspaceId }, select: { settings: true } }) : null,
  ]);
  const { catalog, pricing } = routing;
  const settings = project ? projectSettings.safeParse(project.settings) : null;
  const projectPolicy = settings?.success ? settings.data.routingPolicy : undefined;
  const policy: RoutingPolicy = req.policy ?? projectPolicy ?? routing.settings.routingPolicy ?? "local-first";
  const policySource = req.policy ? "this call" : projectPolicy ? "this project" : "this workspace";

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
    const ownKeyOnly = routing.workspacePricing.cloud[req.model] && routing.keySource !== "workspace";
    throw new AppError(
      "NOT_FOUND",
      ownKeyOnly
        ? `Model "${req.model}" is only available with your own OpenAI key: add one under Settings -> AI providers, or use one of ${names}.`
        : `Unknown model "${req.model}". Use one of ${names}, or a model one of your runners offers.`,
      { details: { model: req.model } },
    );
  }
  const runner: Candidate[] = local.length > 0 ? [{ provider: "runner", patterns: local }] : [];
  const openai: Candidate[] = cloud && policy !== "local-only" ? [{ provider: "openai", model: cloud }] : [];
  const candidates = policy === "cloud-preferred" ? [...openai, ...runner] : [...runner, ...openai];
  if (candidates.length === 0) {
    throw new AppError("UNPROCESSABLE", `Model "${req.model}" has no local equivalent and ${policySource} is local-only.`, {
      details: { model: req.model },
    });
  }
  return {
    requested: req.model,
    policy,
    candidates,
    pricing,
    workspacePricing: routing.workspacePricing,
    workspacePlan: routing.plan,
    keySource: routing.keySource,
    baselineModel: cloud,
  };
}

async function offeredByARunner(db: Db, workspaceId: string, model: string): Promise<boolean> {
  const runners = await db.runner.findMany({ where: { workspaceId, revokedAt: null }, select: { capabilities: true } });
  return runners.some((r) => ((r.capabilities as { models?: { id: string }[] }).models ?? []).some((m) => m.id === model));
}
