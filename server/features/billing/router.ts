import { z } from "zod";
import { createTRPCRouter, workspaceProcedure } from "@/server/api/trpc";
import { userActor } from "../audit/record";
import { changePlan, listInvoices, openPortal } from "./account";
import { billingOverview } from "./overview";
import { billingOverviewOutput, changePlanInput, changePlanOutput, invoiceOutput } from "./schemas";
import { syncBilling } from "./sync";
import { AppError } from "@/server/errors";
import { getEnv } from "@/server/env";
import { can } from "@/server/auth/permissions";
import { getInngest } from "@/inngest/client";
import { billingUsageFlush } from "@/inngest/events";
import { retryMeterReports } from "./metering";

/**
 * Everyone sees the plan, its limits and usage; owners (billing.manage) also see the subscription
 * and payment status, pay, change plan, see invoices and retry failed meter reports.
 */
export const billingRouter = createTRPCRouter({
  overview: workspaceProcedure("workspace.read")
    .output(billingOverviewOutput)
    .query(({ ctx }) => billingOverview(ctx.db, ctx.workspace.id, { account: can(ctx.role, "billing.manage") })),

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

  retryMeterReports: workspaceProcedure("billing.manage")
    .output(z.object({ retried: z.number() }))
    .mutation(async ({ ctx }) => {
      const retried = await retryMeterReports(ctx.db, ctx.workspace.id, userActor(ctx.session), ctx.ip);
      // Sent on the next minute's run anyway; the event only makes it sooner.
      if (retried > 0)
        await getInngest()
          .send(billingUsageFlush.create({ reason: "meter reports retried" }))
          .catch(() => undefined);
      return { retried };
    }),
});
