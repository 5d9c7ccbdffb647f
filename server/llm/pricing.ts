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
  /** The cloud model savings are measured against. */
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

export type Pricing = {
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
