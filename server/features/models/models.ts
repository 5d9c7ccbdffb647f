import type { Capabilities } from "@jace/gpu-runner/protocol";
import type { Db } from "@/server/db";
import { AppError } from "@/server/errors";
import type { Prisma } from "@/server/generated/prisma/client";
import { catalogEntry, defaultCatalog, resolveCatalog, type CatalogEntry } from "@/server/llm/catalog";
import { workspaceRouting } from "@/server/llm/plan";
import { defaultCloudPrices, pricingSettings, resolvePricing, type PricingSettings } from "@/server/llm/pricing";
import type { RoutingPolicy } from "@/server/llm/types";
import { recordAudit, type Actor } from "../audit/record";

/** The workspace's model catalog and prices, as people see and edit them. */

type LlmSettings = { catalog?: Record<string, CatalogEntry>; pricing?: PricingSettings; routingPolicy?: RoutingPolicy };

async function settingsOf(db: Db, workspaceId: string): Promise<LlmSettings> {
  const ws = await db.workspace.findUniqueOrThrow({ where: { id: workspaceId }, select: { llmSettings: true } });
  return (ws.llmSettings ?? {}) as LlmSettings;
}

export async function describeModels(db: Db, workspaceId: string) {
  const settings = await settingsOf(db, workspaceId);
  const catalog = resolveCatalog(settings.catalog);
  const pricing = resolvePricing(settings.pricing);
  const [runners, routing] = await Promise.all([
    db.runner.findMany({
      where: { workspaceId, revokedAt: null },
      select: { id: true, name: true, status: true, capabilities: true },
      orderBy: { name: "asc" },
    }),
    workspaceRouting(db, workspaceId),
  ]);
  const local = new Map<string, { id: string; sizeBytes: number; runners: string[]; online: number }>();
  for (const r of runners) {
    for (const m of (r.capabilities as Capabilities).models ?? []) {
      const entry = local.get(m.id) ?? { id: m.id, sizeBytes: m.sizeBytes, runners: [], online: 0 };
      entry.runners.push(r.name);
      if (r.status !== "offline") entry.online += 1;
      local.set(m.id, entry);
    }
  }
  return {
    catalog: Object.entries(catalog).map(([name, e]) => ({
      name,
      ...e,
      custom: Boolean(settings.catalog?.[name]),
      builtIn: name in defaultCatalog,
    })),
    localModels: [...local.values()].sort((a, b) => a.id.localeCompare(b.id)),
    cloudPrices: Object.entries(pricing.cloud).map(([model, p]) => ({
      model,
      ...p,
      custom: Boolean(settings.pricing?.cloud?.[model]),
      listed: model in defaultCloudPrices,
    })),
    pricing: {
      localEnergyPerCallMicros: pricing.localEnergyPerCallMicros,
      gpuHourMicros: pricing.gpuHourMicros,
      baseFeeMicros: pricing.baseFeeMicros,
      baselineModel: pricing.baselineModel,
    },
    /** The raw overrides, so a form can edit them without baking the defaults in. */
    pricingSettings: pricingSettings.parse(settings.pricing ?? {}),
    runners: runners.map((r) => ({ id: r.id, name: r.name, hourlyMicros: pricing.runnerHourly[r.id] ?? null })),
    routingPolicy: settings.routingPolicy ?? "local-first",
    keySource: routing.keySource,
  };
}

async function save(
  db: Db,
  workspaceId: string,
  actor: Actor,
  ip: string | null,
  settings: LlmSettings,
  action: string,
  metadata: Prisma.InputJsonObject,
) {
  await db.$transaction(async (tx) => {
    await tx.workspace.update({ where: { id: workspaceId }, data: { llmSettings: settings as Prisma.InputJsonObject } });
    await recordAudit(tx, workspaceId, actor, ip, { action, targetType: "workspace", targetId: workspaceId, metadata });
  });
}

export async function setCatalogEntry(db: Db, workspaceId: string, actor: Actor, ip: string | null, name: string, entry: CatalogEntry) {
  const parsed = catalogEntry.parse(entry);
  const settings = await settingsOf(db, workspaceId);
  const pricing = resolvePricing(settings.pricing);
  if (parsed.cloud && !pricing.cloud[parsed.cloud]) {
    throw new AppError(
      "BAD_REQUEST",
      `No price is set for cloud model "${parsed.cloud}". Add its price first so its calls can be metered.`,
    );
  }
  if (parsed.local.length === 0 && !parsed.cloud)
    throw new AppError("BAD_REQUEST", "A model needs a local pattern, a cloud model, or both.");
  await save(db, workspaceId, actor, ip, { ...settings, catalog: { ...settings.catalog, [name]: parsed } }, "model.catalog_changed", {
    name,
  });
}

export async function resetCatalogEntry(db: Db, workspaceId: string, actor: Actor, ip: string | null, name: string) {
  const settings = await settingsOf(db, workspaceId);
  if (!settings.catalog?.[name]) throw new AppError("NOT_FOUND", `"${name}" has no custom setting in this workspace.`);
  const catalog = { ...settings.catalog };
  delete catalog[name];
  await save(db, workspaceId, actor, ip, { ...settings, catalog }, "model.catalog_reset", { name });
}

export async function setPricing(db: Db, workspaceId: string, actor: Actor, ip: string | null, pricing: PricingSettings) {
  const parsed = pricingSettings.parse(pricing);
  const settings = await settingsOf(db, workspaceId);
  await save(db, workspaceId, actor, ip, { ...settings, pricing: parsed }, "model.pricing_changed", {});
}

/** The workspace's default routing policy: API calls without a project, and projects without their own. */
export async function setRoutingPolicy(db: Db, workspaceId: string, actor: Actor, ip: string | null, policy: RoutingPolicy) {
  const settings = await settingsOf(db, workspaceId);
  await save(db, workspaceId, actor, ip, { ...settings, routingPolicy: policy }, "model.policy_changed", {
    from: settings.routingPolicy ?? "local-first",
    to: policy,
  });
}
