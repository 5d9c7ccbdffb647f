import { z } from "zod";
import { createTRPCRouter, workspaceProcedure } from "@/server/api/trpc";
import { describeOpenAIKey, removeOpenAIKey, saveOpenAIKey } from "@/server/llm/credentials";
import { userActor } from "../audit/record";
import { idempotencyKey, once } from "../idempotency/once";
import { deleteBudget, listBudgets, upsertBudget } from "./budgets";
import {
  budgetOutput,
  deleteBudgetInput,
  providerKeyOutput,
  saveProviderKeyInput,
  upsertBudgetInput,
  usageSummaryInput,
  usageSummaryOutput,
} from "./schemas";
import { usageSummary } from "./usage";

/** Everyone in the workspace sees what models cost; owners (billing.manage) set budgets. */
export const usageRouter = createTRPCRouter({
  summary: workspaceProcedure("workspace.read")
    .input(usageSummaryInput)
    .output(usageSummaryOutput)
    .query(({ ctx, input }) => usageSummary(ctx.db, ctx.workspace.id, input)),

  budgets: workspaceProcedure("workspace.read")
    .output(z.array(budgetOutput))
    .query(({ ctx }) => listBudgets(ctx.db, ctx.workspace.id)),

  upsertBudget: workspaceProcedure("billing.manage")
    .input(upsertBudgetInput.extend({ idempotencyKey }))
    .output(budgetOutput)
    .mutation(({ ctx, input: { idempotencyKey: key, ...input } }) =>
      once(ctx.db, { scope: `usage.upsertBudget:${ctx.workspace.id}`, userId: ctx.session.userId, key, input }, budgetOutput, () =>
        upsertBudget(ctx.db, ctx.workspace.id, userActor(ctx.session), ctx.ip, input),
      ),
    ),

  deleteBudget: workspaceProcedure("billing.manage")
    .input(deleteBudgetInput)
    .output(z.object({ deleted: z.literal(true) }))
    .mutation(async ({ ctx, input }) => {
      await deleteBudget(ctx.db, ctx.workspace.id, userActor(ctx.session), ctx.ip, input.budgetId);
      return { deleted: true as const };
    }),
});

/**
 * The workspace's own OpenAI key, used only when the router falls back to the cloud. Members see
 * whether one is set (masked); only owners, who pay for it, save or remove it.
 */
export const providerKeyRouter = createTRPCRouter({
  get: workspaceProcedure("workspace.read")
    .output(providerKeyOutput)
    .query(({ ctx }) => describeOpenAIKey(ctx.db, ctx.workspace.id)),

  save: workspaceProcedure("billing.manage")
    .input(saveProviderKeyInput)
    .output(providerKeyOutput)
    .mutation(({ ctx, input }) => saveOpenAIKey(ctx.db, ctx.workspace.id, userActor(ctx.session), ctx.ip, input.key)),

  remove: workspaceProcedure("billing.manage")
    .output(z.object({ removed: z.literal(true) }))
    .mutation(async ({ ctx }) => {
      await removeOpenAIKey(ctx.db, ctx.workspace.id, userActor(ctx.session), ctx.ip);
      return { removed: true as const };
    }),
});
