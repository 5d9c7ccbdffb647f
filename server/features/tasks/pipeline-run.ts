import { getEmbeddedExecutor, inngestSettings } from "@/inngest/client";
import type { Db } from "@/server/db";
import { getEnv } from "@/server/env";
import { AppError } from "@/server/errors";

/** The task's pipeline run as the Inngest executor sees it: status and every step attempt. */
export type PipelineRunView = {
  mode: "cloud" | "self-hosted" | "dev" | "embedded";
  run: {
    id: string;
    status: string;
    error: string | null;
    steps: { name: string; op: string; status: string; attempt: number; startedAt: Date; endedAt: Date | null }[];
  } | null;
};

export async function getPipelineRun(db: Db, workspaceId: string, taskId: string): Promise<PipelineRunView> {
  const task = await db.task.findFirst({ where: { id: taskId, workspaceId }, select: { id: true } });
  if (!task) throw new AppError("NOT_FOUND", "Task not found in this workspace.");
  const mode = inngestSettings(getEnv()).mode;
  const executor = getEmbeddedExecutor();
  if (!executor) return { mode, run: null };
  const [found] = await executor.listRuns({ eventData: { taskId }, limit: 5 });
  const run = found && (await executor.getRun(found.id));
  if (!run || !run.functionId.endsWith("task-pipeline")) return { mode, run: null };
  return {
    mode,
    run: {
      id: run.id,
      status: run.status,
      error: run.error?.message ?? null,
      steps: run.steps.map((s) => ({
        name: s.name ?? s.id,
        op: s.op,
        status: s.status,
        attempt: s.attempt,
        startedAt: new Date(s.startedAt),
        endedAt: s.endedAt === null ? null : new Date(s.endedAt),
      })),
    },
  };
}
