import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pollUntil, type RealRunner } from "@/server/runners/testing/real-runner";
import type { Actor } from "../audit/record";
import { approveTask } from "./decisions";
import { registerDeliveryChannel } from "./deliver";
import { createTask } from "./intake";
import { getTask } from "./tasks";
import { startPipelineHarness, type PipelineHarness } from "./testing/pipeline-harness";

/**
 * The task's time limit and step timeouts through the real pipeline. The pipeline's clock is real
 * time plus `offset`, so a test can make an hour pass at a chosen point.
 */

let h: PipelineHarness;
let actor: Actor;
let runner: RealRunner;
let offset = 0;
const HOUR = 3_600_000;

beforeAll(async () => {
  h = await startPipelineHarness({
    pipeline: { maxAnswerTokens: 16, maxPlanTokens: 64, stepTimeoutMs: 3000, retries: 1, now: () => Date.now() + offset },
  });
  actor = { type: "user", id: h.owner.id, label: h.owner.email };
  runner = h.fleet.start(await h.fleet.enroll("box"));
  await h.fleet.waitOnline(runner);
}, 120_000);

afterAll(async () => {
  await h?.close();
});

const submit = (question: string, source: "web" | "github" | "trello", requireApproval = false) =>
  createTask(h.db, h.workspace.id, actor, { projectId: h.projectId, task: { kind: "ask", question }, requireApproval }, { source }).then(
    (r) => r.task,
  );

/** Moves the executor's clock along so step retries come due, until the task ends. */
const finished = (taskId: string) =>
  pollUntil(
    async () => {
      h.executor.clock.advance(30_000);
      return h.db.task.findUniqueOrThrow({ where: { id: taskId } });
    },
    (t) => ["succeeded", "failed", "cancelled"].includes(t.status),
    60_000,
    "the task to finish",
  );

describe("task time limit and step timeouts", { timeout: 90_000 }, () => {
  it("runs a task whose plan was approved after longer than its time limit (waiting for approval does not count)", async () => {
    offset = 0;
    const task = await submit("Approve me late", "web", true);
    await h.waitForTask(task.id, ["awaiting_approval"]);
    offset += 61 * 60_000; // the default limit is 60 minutes
    await approveTask(h.db, h.workspace.id, actor, task.id);
    const done = await finished(task.id);
    expect(done.error).toBeNull();
    expect(done.status).toBe("succeeded");
  });

  it("finishes a task that crosses its time limit after its runner job is done", async () => {
    offset = 0;
    registerDeliveryChannel({
      source: "trello",
      async deliver() {
        offset += 2 * HOUR; // delivery is slow: the function re-enters after the limit
        return { summary: "Posted to the card" };
      },
    });
    const task = await submit("Cross the line", "trello");
    const done = await finished(task.id);
    expect(done.error).toBeNull();
    expect(done.status).toBe("succeeded");
  });

  it("aborts a delivery cut off at its step timeout, so it cannot complete beside the retry", async () => {
    offset = 0;
    const attempts: Array<"aborted" | "delivered" | "ignored signal"> = [];
    registerDeliveryChannel({
      source: "github",
      async deliver(_db, _task, _result, signal) {
        if (attempts.length === 0) {
          // A hung request that honours its signal.
          await new Promise<void>((resolve) => {
            if (!signal) return resolve();
            signal.addEventListener("abort", () => resolve(), { once: true });
          });
          attempts.push(signal?.aborted ? "aborted" : "ignored signal");
          signal?.throwIfAborted();
          return { summary: "posted late" };
        }
        attempts.push("delivered");
        return { summary: "Commented on the pull request" };
      },
    });
    const task = await submit("Hang once", "github");
    const done = await finished(task.id);
    expect(attempts).toEqual(["aborted", "delivered"]);
    expect(done.status).toBe("succeeded");
    const steps = (await getTask(h.db, h.workspace.id, task.id)).steps;
    expect(steps.find((s) => s.name === "deliver")).toMatchObject({ status: "succeeded", attempts: 2 });
  });
});
