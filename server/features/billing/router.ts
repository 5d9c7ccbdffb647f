import { z } from "zod";
import { createTRPCRouter, workspaceProcedure } from "@/server/api/trpc";
import { userActor } from "../audit/record";
import { changePlan, listInvoices, openPortal } from "./account";
import { billingOverview } from "./overview";
import { billingOverviewOutput, changePlanInput, changePlanOutput, invoiceOutput } from "./schemas";
import { syncBilling } from "./sync";
import { AppError } from "@/server/errors";
import { getEnv } from "@/server/env";

/** Everyone sees the plan and its limits; owners (billing.manage) pay, change plan and see invoices. */
export const billingRouter = createTRPCRouter({
  overview: workspaceProcedure("workspace.read")
    .output(billingOverviewOutput)
    .query(({ ctx }) => billingOverview(ctx.db, ctx.workspace.id)),

  invoices: workspaceProcedure("billing.manage")
    .output(z.array(invoiceOutput))
    .query(({ ctx }) => listInvoices(ctx.db, ctx.workspace.id)),

  changePlan: workspaceProcedure("billing.manage")
    .input(changePlanInput)
    .output(changePlanOutput)
    .mutation(({ ctx, input }) => changePlan(ctx.db, ctx.workspace, userActor(ctx.session), input.plan)),

  portal: workspaceProcedure("billing.manage")
    .output(z.object({ url: z.string() }))
    .mutation(async ({ ctx }) => ({ url: await openPortal(ctx.db, ctx.workspace, userActor(ctx.session)) })),

  resync: workspaceProcedure("billing.manage")
    .output(z.object({ plan: z.string(), status: z.string(), changed: z.boolean() }))
    .mutation(({ ctx }) => {
      if (!getEnv().stripe)
        throw new AppError("UNPROCESSABLE", "Payments are not configured on this server, so there is nothing to resync.");
      return syncBilling(ctx.db, ctx.workspace.id, userActor(ctx.session));
    }),
});
