import { z } from "zod";
import { createTRPCRouter, workspaceProcedure } from "@/server/api/trpc";
import { catalogEntry } from "@/server/llm/catalog";
import { pricingSettings } from "@/server/llm/pricing";
import { routingPolicies } from "@/server/llm/types";
import { userActor } from "../audit/record";
import { describeModels, resetCatalogEntry, setCatalogEntry, setPricing, setRoutingPolicy } from "./models";

const name = z
  .string()
  .trim()
  .min(1)
  .max(50)
  .regex(/^[a-z0-9][a-z0-9._-]*$/, "Use lowercase letters, digits, and . _ -");

const ok = z.object({ ok: z.literal(true) });

const catalogOutput = z.object({
  catalog: z.array(catalogEntry.extend({ name: z.string(), custom: z.boolean(), builtIn: z.boolean() })),
  localModels: z.array(z.object({ id: z.string(), sizeBytes: z.number(), runners: z.array(z.string()), online: z.number() })),
  cloudPrices: z.array(
    z.object({ model: z.string(), inputPer1k: z.number(), outputPer1k: z.number(), custom: z.boolean(), listed: z.boolean() }),
  ),
  pricing: z.object({
    localEnergyPerCallMicros: z.number(),
    gpuHourMicros: z.number(),
    baseFeeMicros: z.number(),
    baselineModel: z.string(),
  }),
  pricingSettings,
  runners: z.array(z.object({ id: z.string(), name: z.string(), hourlyMicros: z.number().nullable() })),
  routingPolicy: z.enum(routingPolicies),
  /** Whose OpenAI key cloud calls use now (price overrides apply only with the workspace's own). */
  keySource: z.enum(["system", "workspace"]).nullable(),
});

export const modelRouter = createTRPCRouter({
  catalog: workspaceProcedure("workspace.read")
    .output(catalogOutput)
    .query(({ ctx }) => describeModels(ctx.db, ctx.workspace.id)),

  setEntry: workspaceProcedure("workspace.update")
    .input(z.object({ name, entry: catalogEntry }))
    .output(ok)
    .mutation(async ({ ctx, input }) => {
      await setCatalogEntry(ctx.db, ctx.workspace.id, userActor(ctx.session), ctx.ip, input.name, input.entry);
      return { ok: true as const };
    }),

  resetEntry: workspaceProcedure("workspace.update")
    .input(z.object({ name }))
    .output(ok)
    .mutation(async ({ ctx, input }) => {
      await resetCatalogEntry(ctx.db, ctx.workspace.id, userActor(ctx.session), ctx.ip, input.name);
      return { ok: true as const };
    }),

  setPricing: workspaceProcedure("billing.manage")
    .input(z.object({ pricing: pricingSettings }))
    .output(ok)
    .mutation(async ({ ctx, input }) => {
      await setPricing(ctx.db, ctx.workspace.id, userActor(ctx.session), ctx.ip, input.pricing);
      return { ok: true as const };
    }),

  setPolicy: workspaceProcedure("workspace.update")
    .input(z.object({ policy: z.enum(routingPolicies) }))
    .output(ok)
    .mutation(async ({ ctx, input }) => {
      await setRoutingPolicy(ctx.db, ctx.workspace.id, userActor(ctx.session), ctx.ip, input.policy);
      return { ok: true as const };
    }),
});
