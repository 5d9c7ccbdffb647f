import { z } from "zod";
import { createTRPCRouter, workspaceProcedure } from "@/server/api/trpc";
import { userActor } from "../audit/record";
import { idempotencyKey } from "../idempotency/once";
import { approveTask, cancelTask, rejectTask } from "./decisions";
import { createTask, replayTask } from "./intake";
import { createTaskInput, listTasksInput, taskCounts, taskDetailOutput, taskLogOutput, taskOutput } from "./schemas";
import { getPipelineRun } from "./pipeline-run";
import { assertSameTaskRequest } from "./repeat";
import { countTasks, getTask, listTaskLogs, listTasks } from "./tasks";

const taskId = z.object({ taskId: z.string().min(1).max(64) });
const created = z.object({ taskId: z.string(), number: z.number(), created: z.boolean() });

export const taskRouter = createTRPCRouter({
  list: workspaceProcedure("workspace.read")
    .input(listTasksInput)
    .output(z.object({ items: z.array(taskOutput), nextCursor: z.string().nullable() }))
    .query(({ ctx, input }) => listTasks(ctx.db, ctx.workspace.id, input)),

  counts: workspaceProcedure("workspace.read")
    .output(taskCounts)
    .query(({ ctx }) => countTasks(ctx.db, ctx.workspace.id)),

  get: workspaceProcedure("workspace.read")
    .input(taskId)
    .output(taskDetailOutput)
    .query(({ ctx, input }) => getTask(ctx.db, ctx.workspace.id, input.taskId)),

  run: workspaceProcedure("workspace.read")
    .input(taskId)
    .output(
      z.object({
        mode: z.enum(["cloud", "self-hosted", "dev", "embedded"]),
        run: z
          .object({
            id: z.string(),
            status: z.string(),
            error: z.string().nullable(),
            startedAt: z.date(),
            endedAt: z.date().nullable(),
            current: z
              .object({
                name: z.string(),
                status: z.string(),
                attempts: z.number(),
                nextRetryAt: z.date().nullable(),
                waitingFor: z.object({ event: z.string(), until: z.date().nullable() }).nullable(),
                wakesAt: z.date().nullable(),
              })
              .nullable(),
            steps: z.array(
              z.object({
                name: z.string(),
                op: z.string(),
                status: z.string(),
                attempt: z.number(),
                startedAt: z.date(),
                endedAt: z.date().nullable(),
              }),
            ),
          })
          .nullable(),
      }),
    )
    .query(({ ctx, input }) => getPipelineRun(ctx.db, ctx.workspace.id, input.taskId)),

  logs: workspaceProcedure("workspace.read")
    .input(taskId.extend({ afterId: z.number().int().nonnegative().optional() }))
    .output(z.array(taskLogOutput))
    .query(({ ctx, input }) => listTaskLogs(ctx.db, ctx.workspace.id, input.taskId, { afterId: input.afterId })),

  create: workspaceProcedure("tasks.create")
    .input(createTaskInput.extend({ idempotencyKey }))
    .output(created)
    .mutation(async ({ ctx, input: { idempotencyKey: key, ...input } }) => {
      // The form's key is the task's delivery id, as the REST API's Idempotency-Key is: a repeated
      // submission (double click, retry) returns the first task instead of starting another.
      const { task, created: isNew } = await createTask(ctx.db, ctx.workspace.id, userActor(ctx.session), input, {
        source: "web",
        deliveryId: key,
        ip: ctx.ip,
      });
      if (!isNew) assertSameTaskRequest(task, input);
      return { taskId: task.id, number: task.number, created: isNew };
    }),

  approve: workspaceProcedure("tasks.approve")
    .input(taskId)
    .output(taskId)
    .mutation(async ({ ctx, input }) => {
      await approveTask(ctx.db, ctx.workspace.id, userActor(ctx.session), input.taskId, ctx.ip);
      return input;
    }),

  reject: workspaceProcedure("tasks.approve")
    .input(taskId.extend({ reason: z.string().trim().max(1000).default("") }))
    .output(taskId)
    .mutation(async ({ ctx, input }) => {
      await rejectTask(ctx.db, ctx.workspace.id, userActor(ctx.session), input.taskId, input.reason, ctx.ip);
      return { taskId: input.taskId };
    }),

  cancel: workspaceProcedure("tasks.create")
    .input(taskId)
    .output(taskId)
    .mutation(async ({ ctx, input }) => {
      await cancelTask(ctx.db, ctx.workspace.id, userActor(ctx.session), input.taskId, ctx.ip);
      return input;
    }),

  replay: workspaceProcedure("tasks.create")
    .input(taskId.extend({ idempotencyKey }))
    .output(created)
    .mutation(async ({ ctx, input }) => {
      // The button's key is the replay's delivery id, as for create: a double click makes one replay.
      const { task, created: isNew } = await replayTask(
        ctx.db,
        ctx.workspace.id,
        userActor(ctx.session),
        input.taskId,
        ctx.ip,
        input.idempotencyKey,
      );
      return { taskId: task.id, number: task.number, created: isNew };
    }),
});
