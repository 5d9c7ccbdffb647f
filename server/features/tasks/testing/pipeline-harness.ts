import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeTinyGguf } from "@/gpu-runner/scripts/make-tiny-gguf";
import { setEmbeddedExecutor, setInngest } from "@/inngest/client";
import { createFunctions, type FunctionOptions } from "@/inngest/functions";
import { startHarness, type Harness } from "@/inngest/executor/test-harness";
import { stopBus } from "@/server/runners/bus";
import { startRunnerAppServer, type RunnerAppServer } from "@/server/runners/testing/app-server";
import { pollUntil, runnerFleet, type RunnerFleet } from "@/server/runners/testing/real-runner";
import { testDb } from "@/server/testing/db";
import { createUser, createWorkspaceFor, type TestUser } from "@/server/testing/factories";
import type { Db } from "@/server/db";
import { startTaskJobRelay } from "../job-relay";

/**
 * Everything a task needs, for real: the app's functions served by the Inngest SDK and driven by
 * the embedded executor, the runner gateway, the job relay, and real `jace-runner` processes
 * with a tiny GGUF model.
 */
export type PipelineHarness = {
  db: Db;
  executor: Harness;
  app: RunnerAppServer;
  owner: TestUser;
  workspace: { id: string; slug: string };
  projectId: string;
  fleet: RunnerFleet;
  root: string;
  waitForTask(taskId: string, statuses: string[], timeoutMs?: number): Promise<NonNullable<Awaited<ReturnType<Db["task"]["findUnique"]>>>>;
  close(): Promise<void>;
};

export async function startPipelineHarness(opts: FunctionOptions = {}): Promise<PipelineHarness> {
  const db = testDb();
  const root = mkdtempSync(join(tmpdir(), "jace-pipeline-"));
  const modelsDir = join(root, "models");
  mkdirSync(modelsDir);
  await writeTinyGguf(join(modelsDir, "tiny.gguf"), { seed: 1 });
  const app = await startRunnerAppServer(db, { heartbeatIntervalMs: 2000, leaseTtlMs: 4000, sweepIntervalMs: 250 });
  const executor = await startHarness((i) => createFunctions(i, opts));
  setInngest(executor.inngest);
  setEmbeddedExecutor(executor.executor);
  const stopRelay = startTaskJobRelay(db, { flushMs: 50 });
  const owner = await createUser(db, "Pipeline Owner");
  const workspace = await createWorkspaceFor(db, owner, "Pipelines");
  const project = await db.project.create({ data: { workspaceId: workspace.id, name: "api" } });
  const fleet = runnerFleet({ db, appUrl: () => app.url, workspaceId: workspace.id, owner, root, modelsDir });
  return {
    db,
    executor,
    app,
    owner,
    workspace,
    projectId: project.id,
    fleet,
    root,
    async waitForTask(taskId, statuses, timeoutMs = 60_000) {
      // The executor's test clock stands still unless a test moves it. While a test waits, it
      // follows real time, so a step retried after a backoff (one that failed on a loaded machine)
      // comes due as it would in production instead of never.
      let last = Date.now();
      const read = () => {
        const now = Date.now();
        executor.clock.advance(now - last);
        last = now;
        return db.task.findUniqueOrThrow({ where: { id: taskId } });
      };
      return pollUntil(read, (t) => statuses.includes(t.status), timeoutMs, `task ${taskId} to be ${statuses.join(" or ")}`);
    },
    async close() {
      fleet.killAll();
      await stopRelay();
      await executor.close();
      setInngest(undefined);
      setEmbeddedExecutor(undefined);
      await app.close();
      await stopBus();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
