import { z } from "zod";
import { createTRPCRouter, workspaceProcedure } from "@/server/api/trpc";
import { getEnv } from "@/server/env";
import { createEnrollmentToken } from "@/server/runners/enrollment";
import { cancelJob } from "@/server/runners/jobs";
import { userActor } from "../audit/record";
import { idempotencyKey, once } from "../idempotency/once";
import {
  enrollmentStatus,
  getRunner,
  jobSummary,
  listRunnerJobs,
  listRunners,
  revokeRunner,
  runnerDetailOutput,
  runnerLabel,
  runnerName,
  runnerOutput,
  updateRunner,
} from "./runners";

const runnerId = z.object({ runnerId: z.string().min(1).max(64) });
const ok = z.object({ ok: z.literal(true) });
const enrollment = z.object({ tokenId: z.string(), token: z.string(), expiresAt: z.date(), command: z.string() });

export const runnerRouter = createTRPCRouter({
  list: workspaceProcedure("workspace.read")
    .input(z.object({ includeRevoked: z.boolean().default(false) }))
    .output(z.array(runnerOutput))
    .query(({ ctx, input }) => listRunners(ctx.db, ctx.workspace.id, input)),

  get: workspaceProcedure("workspace.read")
    .input(runnerId)
    .output(runnerDetailOutput)
    .query(({ ctx, input }) => getRunner(ctx.db, ctx.workspace.id, input.runnerId)),

  jobs: workspaceProcedure("workspace.read")
    .input(
      z.object({
        status: z.enum(["queued", "offered", "running", "succeeded", "failed", "cancelled"]).optional(),
        limit: z.number().int().min(1).max(100).default(25),
      }),
    )
    .output(z.array(jobSummary))
    .query(({ ctx, input }) => listRunnerJobs(ctx.db, ctx.workspace.id, input)),

  createEnrollmentToken: workspaceProcedure("runners.manage")
    .input(z.object({ labels: z.array(runnerLabel).max(20).default([]), idempotencyKey }))
    .output(enrollment)
    .mutation(({ ctx, input: { idempotencyKey: key, ...input } }) =>
      once(ctx.db, { scope: `runners.enroll:${ctx.workspace.id}`, userId: ctx.session.userId, key, input }, enrollment, async () => {
        const { id, token, expiresAt } = await createEnrollmentToken(ctx.db, ctx.workspace.id, userActor(ctx.session), ctx.ip, {
          labels: input.labels,
        });
        const labels = input.labels.length > 0 ? ` --labels ${input.labels.join(",")}` : "";
        // The token goes in the environment, not a flag, so it does not show up in `ps`.
        return {
          tokenId: id,
          token,
          expiresAt,
          command: `JACE_RUNNER_TOKEN=${token} jace-runner enroll --server ${getEnv().appUrl}${labels} && jace-runner start`,
        };
      }),
    ),

  enrollmentStatus: workspaceProcedure("runners.manage")
    .input(z.object({ tokenId: z.string().min(1).max(64) }))
    .output(
      z.object({
        expiresAt: z.date(),
        expired: z.boolean(),
        runner: z.object({ id: z.string(), name: z.string(), status: z.string() }).nullable(),
      }),
    )
    .query(({ ctx, input }) => enrollmentStatus(ctx.db, ctx.workspace.id, input.tokenId)),

  rename: workspaceProcedure("runners.manage")
    .input(runnerId.extend({ name: runnerName }))
    .output(ok)
    .mutation(async ({ ctx, input }) => {
      await updateRunner(ctx.db, ctx.workspace.id, userActor(ctx.session), ctx.ip, input.runnerId, { name: input.name });
      return { ok: true as const };
    }),

  relabel: workspaceProcedure("runners.manage")
    .input(runnerId.extend({ labels: z.array(runnerLabel).max(20) }))
    .output(ok)
    .mutation(async ({ ctx, input }) => {
      await updateRunner(ctx.db, ctx.workspace.id, userActor(ctx.session), ctx.ip, input.runnerId, { labels: [...new Set(input.labels)] });
      return { ok: true as const };
    }),

  revoke: workspaceProcedure("runners.manage")
    .input(runnerId)
    .output(ok)
    .mutation(async ({ ctx, input }) => {
      await revokeRunner(ctx.db, ctx.workspace.id, userActor(ctx.session), ctx.ip, input.runnerId);
      return { ok: true as const };
    }),

  cancelJob: workspaceProcedure("runners.manage")
    .input(z.object({ jobId: z.string().min(1).max(64) }))
    .output(ok)
    .mutation(async ({ ctx, input }) => {
      await cancelJob(ctx.db, ctx.workspace.id, input.jobId, `cancelled by ${ctx.session.email}`);
      return { ok: true as const };
    }),
});
