import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addMakefile, createTapRepo, pollUntil, type RealRunner } from "@/server/runners/testing/real-runner";
import { taskCreated } from "@/inngest/events";
import type { Prisma } from "@/server/generated/prisma/client";
import { registerDeliveryChannel } from "./deliver";
import { startOpenAIFake } from "@/test/fakes/openai";
import { overrideEnv } from "@/server/env";
import { monthStart } from "@/server/llm/budgets";
import { saveOpenAIKey } from "@/server/llm/credentials";
import { resolvePricing } from "@/server/llm/pricing";
import { approveTask, cancelTask, rejectTask } from "./decisions";
import { createTask, replayTask, resendStuckTasks } from "./intake";
import { getPipelineRun } from "./pipeline-run";
import { getTask, listTaskLogs } from "./tasks";
import { startPipelineHarness, type PipelineHarness } from "./testing/pipeline-harness";
import type { Actor } from "../audit/record";

/**
 * Tasks end to end: intake -> the real pipeline functions, served by the Inngest SDK and driven by
 * the embedded executor against real Postgres -> jobs on a real `jace-runner` process (tiny GGUF
 * model, sandboxed test runs on a local git repository) -> result, logs, usage.
 */

let h: PipelineHarness;
let actor: Actor;
let runner: RealRunner;
let repo: string;

beforeAll(async () => {
  h = await startPipelineHarness({ pipeline: { maxAnswerTokens: 48, maxPlanTokens: 96, stepTimeoutMs: 3000, retries: 1 } });
  actor = { type: "user", id: h.owner.id, label: h.owner.email };
  repo = createTapRepo(join(h.root, "repo"));
  addMakefile(repo);
  runner = h.fleet.start(await h.fleet.enroll("box"));
  await h.fleet.waitOnline(runner);
}, 120_000);

afterAll(async () => {
  await h?.close();
});

const submit = (task: Parameters<typeof createTask>[3]["task"], extra: Partial<Parameters<typeof createTask>[3]> = {}) =>
  createTask(h.db, h.workspace.id, actor, { projectId: h.projectId, task, ...extra }, { source: "web" }).then((r) => r.task);

/** An `ask` task's row written directly, as intake writes it, without sending its task/created. */
const writeTask = (number: number, question: string, extra: Partial<Prisma.TaskUncheckedCreateInput> = {}) =>
  h.db.task.create({
    data: {
      workspaceId: h.workspace.id,
      projectId: h.projectId,
      number,
      kind: "ask",
      title: question,
      input: { kind: "ask", question },
      source: "api",
      createdByLabel: "test",
      ...extra,
    },
  });

describe("task pipeline", { timeout: 90_000 }, () => {
  it("answers an `ask` task on a real runner, with steps, logs, usage and the result artifact", async () => {
    const task = await submit({ kind: "ask", question: "What is a flaky test?" });
    expect(task.number).toBeGreaterThan(0);
    const done = await h.waitForTask(task.id, ["succeeded", "failed"]);
    expect(done.error).toBeNull();
    expect(done.status).toBe("succeeded");
    const detail = await getTask(h.db, h.workspace.id, task.id);
    expect(detail.result?.text.length).toBeGreaterThan(0);
    expect(detail.result?.runnerId).toBe(runner.runnerId);
    expect(detail.steps.map((s) => [s.name, s.status])).toEqual([
      ["analyze", "succeeded"],
      ["plan", "succeeded"],
      ["execute", "succeeded"],
      ["usage", "succeeded"],
      ["deliver", "succeeded"],
    ]);
    for (const s of detail.steps) expect(s.finishedAt!.getTime()).toBeGreaterThanOrEqual(s.startedAt.getTime());
    expect(detail.usage!.completionTokens).toBeGreaterThan(0);
    const calls = await h.db.modelCall.findMany({ where: { taskId: task.id } });
    expect(calls).toEqual([
      expect.objectContaining({ provider: "runner", model: "tiny", requestedModel: "fast", runnerId: runner.runnerId }),
    ]);
    expect(detail.costMicros).toBe(calls[0]!.costMicros);
    // A CPU-only runner: no GPU time on the task or in the ledger; the call costs the energy price alone.
    expect([detail.usage!.gpuSeconds, calls[0]!.gpuSeconds]).toEqual([0, 0]);
    expect(detail.costMicros).toBe(resolvePricing({}).localEnergyPerCallMicros);
    expect(detail.artifacts.map((a) => a.name)).toEqual(["result.md"]);
    const logs = await listTaskLogs(h.db, h.workspace.id, task.id);
    expect(logs.map((l) => l.message).join("\n")).toMatch(/Task succeeded/);
    expect(logs.some((l) => l.step === "execute" && l.level === "debug")).toBe(true); // streamed tokens
    const job = await h.db.runnerJob.findUniqueOrThrow({ where: { id: `${task.id}-execute` } });
    expect(job.status).toBe("succeeded");
    // The run completes just after its last step marks the task succeeded.
    const { run } = await pollUntil(
      () => getPipelineRun(h.db, h.workspace.id, task.id),
      (r) => r.run?.status === "completed",
      10_000,
      "the run",
    );
    expect(run?.steps.map((s) => s.name)).toEqual(
      expect.arrayContaining(["analyze", "plan", "execute-dispatch", "execute-wait", "deliver", "finish"]),
    );
  });

  it("runs a `test` task in the sandbox; failing tests fail the task with the count, like a CI run", async () => {
    const task = await submit({ kind: "test", repository: repo, branch: "main" });
    const done = await h.waitForTask(task.id, ["succeeded", "failed"], 90_000);
    expect(done.status).toBe("failed");
    expect(done.statusReason).toBe("Tests failed: 1 of 4");
    expect(done.error).toBe("Tests failed: 1 of 4");
    const detail = await getTask(h.db, h.workspace.id, task.id);
    // The result is still there to read (and was delivered), with the failures.
    expect(detail.result?.tests).toMatchObject({ passed: 3, failed: 1, total: 4 });
    expect(detail.result?.text).toMatch(/1 of 4 tests failed/);
    expect(detail.result?.text).toMatch(/divides by zero/);
    expect(detail.result?.failure).toBe("Tests failed: 1 of 4");
    expect(detail.steps.map((s) => [s.name, s.status, s.error])).toEqual([
      ["analyze", "succeeded", null],
      ["plan", "succeeded", null],
      ["execute", "failed", "Tests failed: 1 of 4"],
      ["usage", "succeeded", null],
      ["deliver", "succeeded", null],
    ]);
    expect(detail.artifacts.map((a) => a.name)).toContain("result.md");
  });

  it("says it could not clone the repository when the clone fails", async () => {
    const missing = join(h.root, "no-such-repo");
    const task = await submit({ kind: "test", repository: missing });
    const done = await h.waitForTask(task.id, ["succeeded", "failed"], 90_000);
    expect(done.status).toBe("failed");
    expect(done.statusReason).toMatch(new RegExp(`^Could not clone ${missing}: \\S`));
    expect(done.error).toBe(done.statusReason);
    const detail = await getTask(h.db, h.workspace.id, task.id);
    expect(detail.steps.find((s) => s.name === "execute")).toMatchObject({ status: "failed", error: done.error });
  });

  it("waits for approval of a custom task's plan, then runs it when approved", async () => {
    const task = await submit({ kind: "custom", instructions: "Write release notes for version 2." });
    const waiting = await h.waitForTask(task.id, ["awaiting_approval", "failed"]);
    expect(waiting.status).toBe("awaiting_approval");
    const detail = await getTask(h.db, h.workspace.id, task.id);
    expect(detail.plan?.steps.length).toBeGreaterThan(0);
    expect(detail.steps.find((s) => s.name === "approval")?.status).toBe("waiting");
    await approveTask(h.db, h.workspace.id, actor, String(task.number));
    const done = await h.waitForTask(task.id, ["succeeded", "failed"]);
    expect(done.error).toBeNull();
    expect(done.decidedByLabel).toBe(h.owner.email);
    await expect(approveTask(h.db, h.workspace.id, actor, task.id)).rejects.toThrow(/not waiting for approval/);
  });

  it("rejecting a plan cancels the task and its run", async () => {
    const task = await submit({ kind: "ask", question: "Delete prod?" }, { requireApproval: true });
    await h.waitForTask(task.id, ["awaiting_approval"]);
    await rejectTask(h.db, h.workspace.id, actor, task.id, "too risky");
    const done = await h.waitForTask(task.id, ["cancelled"]);
    expect(done.error).toBe(`Plan rejected by ${h.owner.email}: too risky`);
    await h.executor.waitForRun((runs) => runs.some((r) => r.status === "cancelled"));
    expect(await h.db.runnerJob.findUnique({ where: { id: `${task.id}-execute` } })).toBeNull();
  });

  it("cancels a task while it waits, and a cancelled task stays cancelled", async () => {
    const task = await submit({ kind: "ask", question: "Anything" }, { requireApproval: true });
    await h.waitForTask(task.id, ["awaiting_approval"]);
    await cancelTask(h.db, h.workspace.id, actor, task.id);
    const done = await h.waitForTask(task.id, ["cancelled"]);
    expect(done.error).toBe(`Cancelled by ${h.owner.email}`);
    await expect(cancelTask(h.db, h.workspace.id, actor, task.id)).rejects.toThrow(/already been cancelled/);
    await expect(approveTask(h.db, h.workspace.id, actor, task.id)).rejects.toThrow(/not waiting for approval/);
  });

  it("a task cancelled before its run's first step is left alone: no steps, jobs or model calls", async () => {
    // As if its cancel event was stored while the run was being created, unseen by the run's cancelOn.
    const task = await writeTask(9100, "Never mind", { status: "cancelled", statusReason: "Cancelled" });
    await h.executor.inngest.send(taskCreated.create({ taskId: task.id, workspaceId: h.workspace.id }));
    const { run } = await pollUntil(
      () => getPipelineRun(h.db, h.workspace.id, task.id),
      (r) => r.run?.status === "completed",
      20_000,
      "the run",
    );
    expect(run?.steps.map((s) => s.name)).toEqual(["analyze"]);
    expect(await h.db.task.findUniqueOrThrow({ where: { id: task.id } })).toMatchObject({ status: "cancelled", startedAt: null });
    expect(await h.db.taskStep.count({ where: { taskId: task.id } })).toBe(0);
    expect(await h.db.runnerJob.count({ where: { id: { startsWith: task.id } } })).toBe(0);
    expect(await h.db.modelCall.count({ where: { taskId: task.id } })).toBe(0);
  });

  it("replays a task as a new run linked to the original", async () => {
    const original = await submit({ kind: "ask", question: "Replay me" });
    await h.waitForTask(original.id, ["succeeded"]);
    const { task: replay } = await replayTask(h.db, h.workspace.id, actor, original.id);
    expect(replay.id).not.toBe(original.id);
    expect(replay.replayOfId).toBe(original.id);
    await h.waitForTask(replay.id, ["succeeded"]);
    const detail = await getTask(h.db, h.workspace.id, original.id);
    expect(detail.replays.map((r) => r.id)).toEqual([replay.id]);
  });

  it("a repeated delivery id returns the first task and starts one run", async () => {
    const first = await createTask(
      h.db,
      h.workspace.id,
      actor,
      { projectId: h.projectId, task: { kind: "ask", question: "Once" } },
      { source: "api", deliveryId: "d-1" },
    );
    const second = await createTask(
      h.db,
      h.workspace.id,
      actor,
      { projectId: h.projectId, task: { kind: "ask", question: "Once" } },
      { source: "api", deliveryId: "d-1" },
    );
    expect(second.created).toBe(false);
    expect(second.task.id).toBe(first.task.id);
    await h.waitForTask(first.task.id, ["succeeded"]);
    // The same task/created sent again under another event id still runs the pipeline once.
    await h.executor.inngest.send({ name: "task/created", data: { taskId: first.task.id, workspaceId: h.workspace.id } });
    await new Promise((r) => setTimeout(r, 300));
    const runs = await h.executor.executor.listRuns({ limit: 500 });
    const forTask = (await Promise.all(runs.map((r) => h.executor.executor.getRun(r.id)))).filter(
      (r) => (r?.event as { data?: { taskId?: string } } | undefined)?.data?.taskId === first.task.id,
    );
    expect(forTask).toHaveLength(1);
    expect(await h.db.task.count({ where: { workspaceId: h.workspace.id, sourceDeliveryId: "d-1" } })).toBe(1);
  });

  it("fails a task with a clear reason when no runner is online and no cloud key is configured", async () => {
    const ws = await h.db.workspace.create({
      data: { slug: `empty-${Date.now()}`, name: "Empty", memberships: { create: { userId: h.owner.id, role: "owner" } } },
    });
    const project = await h.db.project.create({ data: { workspaceId: ws.id, name: "p" } });
    const { task } = await createTask(
      h.db,
      ws.id,
      actor,
      { projectId: project.id, task: { kind: "ask", question: "Hello?" } },
      { source: "web" },
    );
    const done = await h.waitForTask(task.id, ["failed", "succeeded"]);
    expect(done.status).toBe("failed");
    expect(done.error).toMatch(/No model provider could serve "fast": runner: no runner online; openai: no OpenAI key configured/);
  });

  it("retries a failed step with backoff and succeeds on the next attempt", async () => {
    let calls = 0;
    registerDeliveryChannel({
      source: "telegram",
      async deliver() {
        if (++calls === 1) throw new Error("Telegram answered 502");
        return { summary: "Sent to Telegram" };
      },
    });
    const { task } = await createTask(
      h.db,
      h.workspace.id,
      actor,
      { projectId: h.projectId, task: { kind: "ask", question: "Retry?" } },
      { source: "telegram" },
    );
    // The retry is due after a backoff on the executor's clock: move it along until the task ends.
    const done = await pollUntil(
      async () => {
        h.executor.clock.advance(30_000);
        return h.db.task.findUniqueOrThrow({ where: { id: task.id } });
      },
      (t) => t.status === "succeeded" || t.status === "failed",
      60_000,
      "the retried task to finish",
    );
    expect(done.status).toBe("succeeded");
    expect(calls).toBe(2);
    expect((await getTask(h.db, h.workspace.id, task.id)).steps.find((s) => s.name === "deliver")?.attempts).toBe(2);
  });

  it("cuts off a hung step at its timeout and fails the task with the reason", async () => {
    registerDeliveryChannel({ source: "gmail", deliver: () => new Promise(() => undefined) });
    const { task } = await createTask(
      h.db,
      h.workspace.id,
      actor,
      { projectId: h.projectId, task: { kind: "ask", question: "Hang?" } },
      { source: "gmail" },
    );
    const done = await pollUntil(
      async () => {
        h.executor.clock.advance(30_000);
        return h.db.task.findUniqueOrThrow({ where: { id: task.id } });
      },
      (t) => t.status === "succeeded" || t.status === "failed",
      60_000,
      "the hung task to fail",
    );
    expect(done.status).toBe("failed");
    expect(done.error).toBe('Step "deliver" did not finish within 3000 ms and was cut off.');
    expect((await getTask(h.db, h.workspace.id, task.id)).steps.find((s) => s.name === "deliver")?.status).toBe("failed");
  });

  it("says which runner runs a task, and cancelling it stops the job and shows the step cancelled", async () => {
    const slow = createTapRepo(join(h.root, "slow-repo"));
    addMakefile(slow, "sleep 60");
    const task = await submit({ kind: "test", repository: slow });
    const jobId = `${task.id}-execute`;
    await pollUntil(
      () => h.db.runnerJob.findUnique({ where: { id: jobId } }),
      (j) => j?.status === "running",
      60_000,
      "the job to run",
    );
    // Not "Waiting for a runner" for the whole run: the runner accepted it.
    await h.waitForTask(task.id, ["running"]);
    await pollUntil(
      () => h.db.task.findUniqueOrThrow({ where: { id: task.id } }),
      (t) => t.statusReason === "Running tests on box",
      20_000,
      "the status line to name the runner",
    );
    expect((await getTask(h.db, h.workspace.id, task.id)).runner).toEqual({ id: runner.runnerId, name: "box" });
    await cancelTask(h.db, h.workspace.id, actor, task.id);
    expect((await h.db.task.findUniqueOrThrow({ where: { id: task.id } })).status).toBe("cancelled");
    // The execute step ran and was stopped: cancelled, with how long it ran, never "skipped".
    const execute = (await getTask(h.db, h.workspace.id, task.id)).steps.find((s) => s.name === "execute")!;
    expect(execute.status).toBe("cancelled");
    expect(execute.finishedAt!.getTime()).toBeGreaterThan(execute.startedAt.getTime());
    const job = await pollUntil(
      () => h.db.runnerJob.findUniqueOrThrow({ where: { id: jobId } }),
      (j) => j.status !== "running",
      20_000,
      "the job to stop",
    );
    expect(job.status).toBe("cancelled");
  });

  it("the intake sweep starts a task whose task/created was never sent", async () => {
    // As if the app stopped between writing the task and sending the event.
    const task = await writeTask(9000, "Orphan?", { createdAt: new Date(Date.now() - 5 * 60_000) });
    expect(await resendStuckTasks(h.db)).toBeGreaterThanOrEqual(1);
    const done = await h.waitForTask(task.id, ["succeeded", "failed"]);
    expect(done.status).toBe("succeeded");
    // A task still "running" a minute after its job ended lost the job's result event: resent.
    const waiting = await writeTask(9001, "Lost event?", { status: "running" });
    await h.db.$executeRaw`UPDATE "Task" SET "updatedAt" = now() - interval '5 minutes' WHERE id = ${waiting.id}`;
    await h.db.runnerJob.create({
      data: {
        id: `${waiting.id}-execute`,
        workspaceId: h.workspace.id,
        kind: "inference",
        spec: {},
        status: "succeeded",
        queueTimeoutAt: new Date(),
        timeoutMs: 1000,
        finishedAt: new Date(Date.now() - 5 * 60_000),
      },
    });
    expect(await resendStuckTasks(h.db)).toBe(1);
  });

  it("falls back to the cloud when no runner is online: BYO key, budget charged, reason in the ledger", async () => {
    const fake = await startOpenAIFake();
    overrideEnv({ OPENAI_BASE_URL: `${fake.url}/v1` });
    try {
      const ws = await h.db.workspace.create({
        data: { slug: `cloud-${Date.now()}`, name: "Cloud", memberships: { create: { userId: h.owner.id, role: "owner" } } },
      });
      const project = await h.db.project.create({ data: { workspaceId: ws.id, name: "p" } });
      await saveOpenAIKey(h.db, ws.id, actor, null, "sk-test-byo-key-0123456789abcdef");
      await h.db.budget.create({
        data: { workspaceId: ws.id, scope: "workspace", monthlyLimitMicros: 1_000_000, periodStart: monthStart() },
      });
      const { task } = await createTask(
        h.db,
        ws.id,
        actor,
        { projectId: project.id, task: { kind: "ask", question: "Who are you?" } },
        { source: "web" },
      );
      const done = await h.waitForTask(task.id, ["succeeded", "failed"]);
      expect(done.error).toBeNull();
      expect((done.result as { text: string }).text).toMatch(/Who are you/);
      const [call] = await h.db.modelCall.findMany({ where: { taskId: task.id } });
      expect(call).toMatchObject({ provider: "openai", model: "gpt-4o-mini", status: "succeeded", fallbackReason: "no runner online" });
      expect(call!.costMicros).toBeGreaterThan(0);
      expect(done.costMicros).toBe(call!.costMicros);
      const budget = await h.db.budget.findFirstOrThrow({ where: { workspaceId: ws.id } });
      expect([budget.spentMicros, budget.reservedMicros]).toEqual([call!.costMicros, 0]);
      expect(fake.requests.at(-1)?.headers.authorization).toBe("Bearer sk-test-byo-key-0123456789abcdef");
      const stored = await h.db.providerCredential.findFirstOrThrow({ where: { workspaceId: ws.id } });
      expect(stored.encryptedKey).not.toContain("0123456789abcdef");
    } finally {
      overrideEnv({ OPENAI_BASE_URL: "" });
      await fake.close();
    }
  });

  it("fails an approval that nobody gives within the timeout", async () => {
    const task = await submit({ kind: "ask", question: "Wait for me" }, { requireApproval: true });
    await h.waitForTask(task.id, ["awaiting_approval"]);
    await h.executor.clock.advance(73 * 3600_000);
    const done = await h.waitForTask(task.id, ["failed"]);
    expect(done.error).toMatch(/No one approved the plan within 72 hours/);
  });
});
