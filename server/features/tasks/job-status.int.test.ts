import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { publishJobEvent } from "@/server/runners/bus";
import { requeueRunnerJobs } from "@/server/runners/scheduler";
import { pollUntil } from "@/server/runners/testing/real-runner";
import { testDb } from "@/server/testing/db";
import { createUser, createWorkspaceFor } from "@/server/testing/factories";
import { startTaskJobRelay } from "./job-relay";
import { jobActivity } from "./job-status";
import { getTask } from "./tasks";

/**
 * The task's status line follows its runner job through the real job relay: accepted by a runner
 * (the row as the gateway writes it, and its state event), then requeued by the scheduler's own
 * requeue (as when the runner is lost), in real PostgreSQL.
 */

const db = testDb();
let stopRelay: () => Promise<void>;
let ws: { id: string; slug: string };
let projectId: string;
let runnerId: string;
let number = 0;

beforeAll(async () => {
  const owner = await createUser(db, "Status Owner");
  ws = await createWorkspaceFor(db, owner, "Statuses");
  projectId = (await db.project.create({ data: { workspaceId: ws.id, name: "api" } })).id;
  runnerId = (await db.runner.create({ data: { workspaceId: ws.id, name: "alice-pc", publicKey: "unused", status: "online" } })).id;
  stopRelay = startTaskJobRelay(db, { flushMs: 20 });
});

afterAll(async () => {
  await stopRelay?.();
});

async function taskWithJob(kind: "ask" | "test", phase: "plan" | "execute") {
  const input = kind === "ask" ? { kind, question: "Why?" } : { kind, repository: "https://git.test/acme/api.git" };
  const task = await db.task.create({
    data: {
      workspaceId: ws.id,
      projectId,
      number: ++number,
      kind,
      title: "t",
      input,
      source: "api",
      createdByLabel: "test",
      status: phase === "plan" ? "planning" : "running",
      statusReason: "Waiting for a runner",
    },
  });
  const jobId = `${task.id}-${phase}`;
  await db.runnerJob.create({
    data: {
      id: jobId,
      workspaceId: ws.id,
      kind: kind === "test" ? "sandbox" : "inference",
      spec: {},
      queueTimeoutAt: new Date(Date.now() + 60_000),
      timeoutMs: 60_000,
    },
  });
  return { task, jobId };
}

/** What the gateway does when a runner accepts an offer. */
async function accept(jobId: string) {
  await db.runnerJob.update({ where: { id: jobId }, data: { status: "running", runnerId, attempt: 1, startedAt: new Date() } });
  publishJobEvent({ type: "state", jobId, status: "running" });
}

const reasonOf = (taskId: string, expected: string) =>
  pollUntil(
    () => db.task.findUniqueOrThrow({ where: { id: taskId } }),
    (t) => t.statusReason === expected,
    10_000,
    `the status line "${expected}"`,
  );

describe("the task's status line follows its runner job", () => {
  it("says what runs where once a runner accepts, and waits again when the job is requeued", async () => {
    const { task, jobId } = await taskWithJob("test", "execute");
    await accept(jobId);
    await reasonOf(task.id, "Running tests on alice-pc");
    expect((await getTask(db, ws.id, task.id)).runner).toEqual({ id: runnerId, name: "alice-pc" });

    // The runner is lost: the scheduler puts the job back in the queue.
    expect(await requeueRunnerJobs(db, runnerId, "runner disconnected")).toEqual([
      expect.objectContaining({ id: jobId, status: "queued" }),
    ]);
    await reasonOf(task.id, "Waiting for a runner");
    expect((await getTask(db, ws.id, task.id)).runner).toBeNull();
  });

  it("words it by task kind and phase", async () => {
    const ask = await taskWithJob("ask", "execute");
    await accept(ask.jobId);
    await reasonOf(ask.task.id, "Generating the answer on alice-pc");
    const plan = await taskWithJob("ask", "plan");
    await accept(plan.jobId);
    await reasonOf(plan.task.id, "Drafting the plan on alice-pc");
    expect(jobActivity("custom", "execute")).toBe("Carrying out the plan");
  });

  it("leaves a task alone once it has moved on", async () => {
    const { task, jobId } = await taskWithJob("ask", "execute");
    await db.task.update({ where: { id: task.id }, data: { status: "cancelled", statusReason: "Cancelled" } });
    await accept(jobId);
    // A later job event of another task is handled after this one: its line proves this one was seen.
    const other = await taskWithJob("ask", "execute");
    await accept(other.jobId);
    await reasonOf(other.task.id, "Generating the answer on alice-pc");
    expect((await db.task.findUniqueOrThrow({ where: { id: task.id } })).statusReason).toBe("Cancelled");
  });
});
