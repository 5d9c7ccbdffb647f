import { z } from "zod";
import { Prisma, sqlRows, type Db } from "@/server/db";
import { getEnv } from "@/server/env";
import { AppError } from "@/server/errors";
import { projectSettings } from "../features/projects/schemas";
import { holdCtes, judgeHold, releaseHold, type HeldBudget, type HoldSpec, type Reservation } from "./budgets";
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
  /** The workspace's own key as read with the plan, still encrypted (null: none). */
  encryptedKey: string | null;
  /** When the plan's inputs were read (Date.now()). */
  readAt: number;
  /** The cloud model the requested model maps to (the call's cloud-only baseline); null without one. */
  baselineModel: string | null;
  /** The workspace's online runners as read with the plan (at `readAt`). */
  runners: RunnerOffer[];
  /** The scopes of the workspace's budgets as read with the plan ("plan", "workspace", project ids). */
  budgetScopes: string[];
  /**
   * Budget held with the plan for the cloud call expected first (see planRoute's `hold`). The
   * cloud attempt takes it (sets this to null) when it is what the attempt would hold; the router
   * gives back one left here.
   */
  hold: { spec: HoldSpec; reservation: Reservation; complete: boolean } | null;
};

/** An online runner as routing sees it: what it offers and can fit. */
export type RunnerOffer = { id: string; capabilities: unknown };

type WorkspaceRouting = {
  catalog: Record<string, CatalogEntry>;
  pricing: Pricing;
  workspacePricing: Pricing;
  keySource: KeySource | null;
  settings: LlmSettings;
  plan: string;
};

/**
 * What routing reads from the database: the workspace's settings and plan, its own key
 * (encrypted), the project's settings, and its runners that are not revoked (with their status).
 */
type RouteInputs = {
  llmSettings: unknown;
  plan: string;
  encryptedKey: string | null;
  projectSettings: unknown;
  runners: (RunnerOffer & { status: string })[];
  budgetScopes: string[];
  /** The budgets a hold asked for, as it left them (null: no hold asked for). */
  hold: HeldBudget[] | null;
};

/**
 * One round trip for everything a route depends on (the router's first step on every call, so it
 * is one statement rather than four queries and a separate key lookup), on the pool directly.
 * With `hold`, the same statement also holds budget for the cloud call the router expects to make
 * first (holdCtes): the router checks it against the route before using it (server/llm/attempts.ts).
 */
async function readRouteInputs(db: Db, workspaceId: string, projectId: string | null | undefined, hold?: HoldSpec): Promise<RouteInputs> {
  const [row] = await sqlRows<RouteInputs>(
    db,
    Prisma.sql`
    ${hold ? Prisma.sql`WITH ${holdCtes(workspaceId, hold)}` : Prisma.empty}
    SELECT w."llmSettings", w.plan, c."encryptedKey", p.settings AS "projectSettings",
           (SELECT coalesce(json_agg(json_build_object('id', r.id, 'status', r.status, 'capabilities', r.capabilities)), '[]')
              FROM "Runner" r WHERE r."workspaceId" = w.id AND r."revokedAt" IS NULL) AS runners,
           ARRAY(SELECT s.scope FROM "Budget" s WHERE s."workspaceId" = w.id) AS "budgetScopes",
           ${hold ? Prisma.sql`(SELECT coalesce(json_agg(hold ORDER BY rank), '[]') FROM hold)` : Prisma.sql`NULL::json`} AS hold
      FROM "Workspace" w
      LEFT JOIN "ProviderCredential" c ON c."workspaceId" = w.id AND c.provider = 'openai'
      LEFT JOIN "Project" p ON p.id = ${projectId ?? null}::text AND p."workspaceId" = w.id
     WHERE w.id = ${workspaceId}`,
  );
  if (!row) throw new AppError("NOT_FOUND", "Workspace not found.");
  return row;
}

/** Runners that take jobs now (the gateway marks them online or busy). */
export const isOnline = (status: string) => status === "online" || status === "busy";

function routingOf(inputs: RouteInputs): WorkspaceRouting {
  const settings = readLlmSettings(inputs.llmSettings);
  const keySource: KeySource | null = inputs.encryptedKey ? "workspace" : getEnv().OPENAI_API_KEY ? "system" : null;
  const workspacePricing = resolvePricing(settings.pricing);
  return {
    catalog: resolveCatalog(settings.catalog),
    pricing: pricingFor(workspacePricing, keySource),
    workspacePricing,
    keySource,
    settings,
    plan: inputs.plan,
  };
}

/** The workspace's catalog and the prices that apply to its calls with the key it would use. */
export async function workspaceRouting(db: Db, workspaceId: string): Promise<WorkspaceRouting> {
  return routingOf(await readRouteInputs(db, workspaceId, null));
}

/** The cloud model a requested model stands for: its catalog entry's, or itself when it is a priced cloud model. */
export function cloudEquivalent(routing: Pick<WorkspaceRouting, "catalog" | "pricing">, requested: string): string | null {
  const entry = routing.catalog[requested];
  if (entry) return entry.cloud;
  return routing.pricing.cloud[requested] ? requested : null;
}

export async function planRoute(
  db: Db,
  req: Pick<LlmRequest, "workspaceId" | "projectId" | "model" | "policy">,
  /** Budget to hold in the same round trip, for a cloud call expected to come first. */
  hold?: HoldSpec,
): Promise<RoutePlan> {
  const readAt = Date.now();
  const inputs = await readRouteInputs(db, req.workspaceId, req.projectId, hold);
  const held = hold && inputs.hold ? { spec: hold, ...judgeHold(inputs.hold, hold) } : null;
  try {
    return { ...routeOf(req, inputs, readAt), hold: held };
  } catch (err) {
    if (held) await releaseHold(db, held.reservation);
    throw err;
  }
}

function routeOf(req: Pick<LlmRequest, "model" | "policy">, inputs: RouteInputs, readAt: number): Omit<RoutePlan, "hold"> {
  const routing = routingOf(inputs);
  const { catalog, pricing } = routing;
  const settings = inputs.projectSettings ? projectSettings.safeParse(inputs.projectSettings) : null;
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
  } else if (offeredByARunner(inputs.runners, req.model)) {
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
    encryptedKey: inputs.encryptedKey,
    readAt,
    baselineModel: cloud,
    runners: inputs.runners.filter((r) => isOnline(r.status)).map(({ id, capabilities }) => ({ id, capabilities })),
    budgetScopes: inputs.budgetScopes,
  };
}

function offeredByARunner(runners: RouteInputs["runners"], model: string): boolean {
  return runners.some((r) => ((r.capabilities as { models?: { id: string }[] } | null)?.models ?? []).some((m) => m.id === model));
}
