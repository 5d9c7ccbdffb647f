import { z } from "zod";

/**
 * Logical models mapped to local GGUF models on runners and to cloud models. `local` lists model
 * ids in order of preference; "*" means any model a runner offers. A workspace may override or add
 * entries (Workspace.llmSettings.catalog).
 */
export const catalogEntry = z.object({
  local: z.array(z.string().min(1).max(200)).max(20),
  cloud: z.string().min(1).max(200).nullable(),
  description: z.string().max(200).optional(),
});
export type CatalogEntry = z.infer<typeof catalogEntry>;

export const defaultCatalog: Record<string, CatalogEntry> = {
  fast: { local: ["*"], cloud: "gpt-4o-mini", description: "Quick answers: any local model, else a small cloud model" },
  smart: { local: [], cloud: "gpt-4o", description: "Hard reasoning: a large cloud model" },
  coder: { local: ["*coder*", "*"], cloud: "gpt-4.1-mini", description: "Code: a local coder model, else a cloud one" },
};

export const catalogSettings = z.record(z.string().min(1).max(50), catalogEntry);

export function resolveCatalog(overrides: unknown): Record<string, CatalogEntry> {
  const o = catalogSettings.safeParse(overrides ?? {});
  return { ...defaultCatalog, ...(o.success ? o.data : {}) };
}

/** Does a local model id match a catalog pattern ("*", "*coder*", or an exact id)? */
export function matchesPattern(pattern: string, modelId: string): boolean {
  if (!pattern.includes("*")) return pattern === modelId;
  const re = new RegExp(
    `^${pattern
      .split("*")
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
      .join(".*")}$`,
    "i",
  );
  return re.test(modelId);
}
