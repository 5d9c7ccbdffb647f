import { z } from "zod";

/**
 * Prices, in micro-dollars (1e-6 USD), and the month's cost formula
 *   C = U_api x R_api + U_llm x R_llm + H_gpu x R_gpu + M_base
 * (cloud tokens at cloud prices, local calls at an energy price, runner GPU hours at an amortised
 * hourly rate, a base fee). Defaults below; each workspace may override them (Workspace.llmSettings).
 */

export const cloudPrice = z.object({ inputPer1k: z.number().nonnegative(), outputPer1k: z.number().nonnegative() });
export type CloudPrice = z.infer<typeof cloudPrice>;

export const pricingSettings = z.object({
  /** Cloud prices per 1K tokens, by model. */
  cloud: z.record(z.string(), cloudPrice).default({}),
  /** Energy cost of one local call. */
  localEnergyPerCallMicros: z.number().int().nonnegative().optional(),
  /** Amortised cost of one GPU hour on a runner (default for all; per runner in `runnerHourly`). */
  gpuHourMicros: z.number().int().nonnegative().optional(),
  runnerHourly: z.record(z.string(), z.number().int().nonnegative()).default({}),
  /** Monthly base fee (hosting, the plan). */
  baseFeeMicros: z.number().int().nonnegative().optional(),
  /** The cloud model savings are measured against when the requested model has no cloud equivalent. */
  baselineModel: z.string().optional(),
});
export type PricingSettings = z.infer<typeof pricingSettings>;

/** Public list prices (USD per 1M tokens / 1000 = micro-dollars per 1K tokens). */
export const defaultCloudPrices: Record<string, CloudPrice> = {
  "gpt-4o-mini": { inputPer1k: 150, outputPer1k: 600 },
  "gpt-4o": { inputPer1k: 2500, outputPer1k: 10_000 },
  "gpt-4.1-mini": { inputPer1k: 400, outputPer1k: 1600 },
  "gpt-4.1": { inputPer1k: 2000, outputPer1k: 8000 },
};

/** Context windows (tokens) of the system-listed cloud models; a prompt that cannot fit is refused before the call. */
export const cloudContextTokens: Record<string, number> = {
  "gpt-4o-mini": 128_000,
  "gpt-4o": 128_000,
  "gpt-4.1-mini": 1_047_576,
  "gpt-4.1": 1_047_576,
};

/** Whose OpenAI key pays for a cloud call: Jace's (OPENAI_API_KEY, the plan's allowance) or the workspace's own. */
export type KeySource = "system" | "workspace";

export type Pricing = {
  /** Cloud prices the call is charged at: the list prices on Jace's key; with the workspace's own key, its overrides too. */
  cloud: Record<string, CloudPrice>;
  localEnergyPerCallMicros: number;
  gpuHourMicros: number;
  runnerHourly: Record<string, number>;
  baseFeeMicros: number;
  baselineModel: string;
};

export function resolvePricing(overrides: unknown): Pricing {
  const o = pricingSettings.safeParse(overrides ?? {});
  const s = o.success ? o.data : pricingSettings.parse({});
  return {
    cloud: { ...defaultCloudPrices, ...s.cloud },
    localEnergyPerCallMicros: s.localEnergyPerCallMicros ?? 20,
    gpuHourMicros: s.gpuHourMicros ?? 60_000,
    runnerHourly: s.runnerHourly,
    baseFeeMicros: s.baseFeeMicros ?? 0,
    baselineModel: s.baselineModel ?? "gpt-4o-mini",
  };
}

/**
 * The prices that apply to calls paid with `source`. A workspace's price overrides are its own cost
 * accounting for its own key; on Jace's key only the list prices and listed models apply, so an
 * owner cannot make Jace's key free or add a model Jace does not offer.
 */
export function pricingFor(pricing: Pricing, source: KeySource | null): Pricing {
  return source === "workspace" ? pricing : { ...pricing, cloud: { ...defaultCloudPrices } };
}

/**
 * What the call's tokens would have cost on the cloud: on `cloudModel` (what the catalog maps the
 * requested model to, or the cloud model that served it), else on the baseline model.
 */
export function baselineCostMicros(pricing: Pricing, cloudModel: string | null, promptTokens: number, completionTokens: number): number {
  const model = cloudModel && pricing.cloud[cloudModel] ? cloudModel : pricing.baselineModel;
  return cloudCostMicros(pricing, model, promptTokens, completionTokens);
}

export function cloudCostMicros(pricing: Pricing, model: string, promptTokens: number, completionTokens: number): number {
  const p = pricing.cloud[model];
  if (!p) return 0;
  return Math.ceil((promptTokens * p.inputPer1k + completionTokens * p.outputPer1k) / 1000);
}

export function localCostMicros(pricing: Pricing, runnerId: string | null, gpuSeconds: number): number {
  const hourly = (runnerId ? pricing.runnerHourly[runnerId] : undefined) ?? pricing.gpuHourMicros;
  return pricing.localEnergyPerCallMicros + Math.ceil((gpuSeconds / 3600) * hourly);
}

/** A conservative token estimate (about 2 characters per token, plus framing) for reservations. */
export function estimatePromptTokens(messages: { content: string }[]): number {
  return messages.reduce((n, m) => n + Math.ceil(m.content.length / 2) + 8, 0);
}

/**
 * A low token estimate (about 4 characters per token, the usual for English) for context-window
 * checks: a prompt refused on this estimate cannot fit; one that passes may still not, and then the
 * provider says so.
 */
export function minPromptTokens(messages: { content: string }[]): number {
  return messages.reduce((n, m) => n + Math.ceil(m.content.length / 4) + 4, 0);
}
