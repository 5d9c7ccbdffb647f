import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setEmbeddedExecutor, setInngest } from "@/inngest/client";
import { startHarness, type Harness } from "@/inngest/executor/test-harness";
import { pollUntil } from "@/server/runners/testing/real-runner";
import { testDb } from "@/server/testing/db";
import { createUser, createWorkspaceFor } from "@/server/testing/factories";
import { getPipelineRun } from "./pipeline-run";

/**
 * What the task page shows of the pipeline run, read from the embedded executor: a stand-in
 * `task-pipeline` function (a step that fails once, then a wait) and another function whose
 * event carries the same taskId.
 */

const db = testDb();
let h: Harness;
let workspaceId: string;
let taskId: string;
let failures = 0;

beforeAll(async () => {
  const owner = await createUser(db, "Run Viewer");
  const workspace = await createWorkspaceFor(db, owner, "Runs");
  workspaceId = workspace.id;
  const project = await db.project.create({ data: { workspaceId, name: "api" } });
  const task = await db.task.create({
    data: {
      workspaceId,
      projectId: project.id,
      number: 1,
      kind: "ask",
      title: "Watch my run",
      input: { kind: "ask", question: "?" },
      source: "web",
      createdByLabel: "test",
    },
  });
  taskId = task.id;
  h = await startHarness((i) => [
    i.createFunction({ id: "task-pipeline", triggers: [{ event: "task/created" }] }, async ({ step }) => {
      await step.run("flaky", () => {
        if (++failures === 1) throw new Error("runner busy");
      });
      await step.waitForEvent("approval-wait", { event: "task/approved", match: "data.taskId", timeout: "72h" });
    }),
    i.createFunction({ id: "task-notes", triggers: [{ event: "task/noted" }] }, async () => "noted"),
  ]);
  setInngest(h.inngest);
  setEmbeddedExecutor(h.executor);
}, 60_000);

afterAll(async () => {
  setInngest(undefined);
  setEmbeddedExecutor(undefined);
  await h?.close();
});

const view = () => getPipelineRun(db, workspaceId, taskId);

describe("getPipelineRun", () => {
  it("shows the step being retried and when, then the event the run waits for", async () => {
    await h.executor.send({ name: "task/created", data: { taskId, workspaceId } });
    const retrying = await pollUntil(view, (v) => v.run?.current?.status === "retrying", 10_000, "the retry");
    expect(retrying.mode).toBe("embedded");
    expect(retrying.run?.current).toMatchObject({ name: "flaky", attempts: 1, waitingFor: null });
    const next = retrying.run!.current!.nextRetryAt!.getTime() - h.clock.now();
    expect(next).toBeGreaterThan(0);
    expect(next).toBeLessThanOrEqual(1_000);

    h.clock.advance(1_000);
    const waiting = await pollUntil(view, (v) => v.run?.current?.status === "waiting", 10_000, "the wait");
    expect(waiting.run?.current).toMatchObject({
      name: "approval-wait",
      nextRetryAt: null,
      waitingFor: { event: "task/approved", until: new Date(h.clock.now() + 72 * 3_600_000) },
    });
    expect(waiting.run?.status).toBe("running");
  });

  it("reads the pipeline's run, not a newer run of another function for the same task", async () => {
    const pipelineRunId = (await view()).run?.id;
    expect(pipelineRunId).toBeDefined();
    h.clock.advance(1);
    await h.executor.send({ name: "task/noted", data: { taskId } });
    await h.waitForRun((runs) => runs.some((r) => r.functionId.endsWith("task-notes") && r.status === "completed"));
    const v = await view();
    expect(v.run?.id).toBe(pipelineRunId);
    expect(v.run?.current?.name).toBe("approval-wait");
  });

  it("refuses a task of another workspace", async () => {
    await expect(getPipelineRun(db, "another-workspace", taskId)).rejects.toThrow(/not found/i);
  });
});
