import { z } from "zod";
import { createTRPCRouter, workspaceProcedure } from "@/server/api/trpc";
import { userActor } from "../audit/record";
import { idempotencyKey, once } from "../idempotency/once";
import { apiKeyName, apiKeyOutput, createApiKey, listApiKeys, revokeApiKey } from "./api-keys";

const createdKey = z.object({ key: apiKeyOutput, secret: z.string() });

export const apiKeyRouter = createTRPCRouter({
  list: workspaceProcedure("apiKeys.manage")
    .output(z.array(apiKeyOutput))
    .query(({ ctx }) => listApiKeys(ctx.db, ctx.workspace.id)),

  create: workspaceProcedure("apiKeys.manage")
    .input(z.object({ name: apiKeyName, idempotencyKey }))
    .output(createdKey)
    .mutation(({ ctx, input: { idempotencyKey: key, ...input } }) =>
      once(ctx.db, { scope: `apiKeys.create:${ctx.workspace.id}`, userId: ctx.session.userId, key, input }, createdKey, () =>
        createApiKey(ctx.db, ctx.workspace.id, userActor(ctx.session), ctx.ip, input.name),
      ),
    ),

  revoke: workspaceProcedure("apiKeys.manage")
    .input(z.object({ apiKeyId: z.string().min(1).max(64) }))
    .output(z.object({ ok: z.literal(true) }))
    .mutation(async ({ ctx, input }) => {
      await revokeApiKey(ctx.db, ctx.workspace.id, userActor(ctx.session), ctx.ip, input.apiKeyId);
      return { ok: true as const };
    }),
});
