import { z } from "zod";
import { createTRPCRouter, workspaceProcedure } from "@/server/api/trpc";
import { listAuditActions, listAuditEvents, listAuditInput, listAuditOutput } from "./list";

export const auditRouter = createTRPCRouter({
  list: workspaceProcedure("audit.read")
    .input(listAuditInput)
    .output(listAuditOutput)
    .query(({ ctx, input }) => listAuditEvents(ctx.db, ctx.workspace.id, input)),
  actions: workspaceProcedure("audit.read")
    .output(z.array(z.string()))
    .query(({ ctx }) => listAuditActions(ctx.db, ctx.workspace.id)),
});
