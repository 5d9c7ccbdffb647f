import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeTinyGguf } from "@/gpu-runner/scripts/make-tiny-gguf";
import { testDb } from "../testing/db";
import { callerFor, createUser, createWorkspaceFor, type TestUser } from "../testing/factories";
import { stopBus } from "./bus";
import { awaitJobResult, cancelJob, dispatchJob, dispatchStreaming } from "./jobs";
import { startRunnerAppServer, type RunnerAppServer } from "./testing/app-server";
import { createTapRepo, exited, runnerFleet, type RealRunner, type RunnerFleet } from "./testing/real-runner";

/**
 * The real `jace-runner` CLI, as separate processes, against the real gateway over real sockets:
 * enroll, connect, inference on a tiny generated GGUF model, a sandboxed test run on a local git
 * repository, cancellation, failover when a runner is killed mid-job, and revocation.
 */

const db = testDb();
let app: RunnerAppServer;
let owner: TestUser;
let ws: { id: string; slug: string };
let root: string;
let modelsDir: string;
let repo: string;
let fleet: RunnerFleet;
type Runner = RealRunner;
const enroll = (name: string) => fleet.enroll(name);
const start = (runner: Runner) => fleet.start(runner);
const waitOnline = (runner: Runner, timeout?: number) => fleet.waitOnline(runner, timeout);
const stopRunner = (runner: Runner) => fleet.stop(runner);

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "jace-runner-it-"));
  modelsDir = join(root, "models");
  mkdirSync(modelsDir);
  await writeTinyGguf(join(modelsDir, "tiny.gguf"), { seed: 1 });
  repo = createTapRepo(join(root, "repo"));

  app = await startRunnerAppServer(db, { heartbeatIntervalMs: 2000, leaseTtlMs: 4000, sweepIntervalMs: 250 });
  owner = await createUser(db);
  ws = await createWorkspaceFor(db, owner, "Real runners");
  fleet = runnerFleet({ db, appUrl: () => app.url, workspaceId: ws.id, owner, root, modelsDir });
}, 120_000);

afterAll(async () => {
  fleet?.killAll();
  await app?.close();
  await stopBus();
  rmSync(root, { recursive: true, force: true });
});

describe("real jace-runner processes", () => {
  let first: Runner;

  it("enrolls, connects and reports its capabilities", async () => {
    first = start(await enroll("alpha"));
    await waitOnline(first);
    const listed = await callerFor(db, owner).runner.get({ workspaceSlug: ws.slug, runnerId: first.runnerId });
    expect(listed.capabilities?.models.map((m) => m.id)).toContain("tiny");
    // On a loaded machine the runner's first bubblewrap probe may time out; it retries and re-reports.
    await expect
      .poll(
        async () => (await callerFor(db, owner).runner.get({ workspaceSlug: ws.slug, runnerId: first.runnerId })).capabilities?.sandboxes,
        {
          timeout: 45_000,
        },
      )
      .toContain("bwrap");
    expect(listed.capabilities?.backend).toBe("cpu");
  }, 60_000);

  it("runs an inference job on the tiny model with streamed tokens and token counts", async () => {
    const { jobId, events } = await dispatchStreaming(db, ws.id, {
      kind: "inference",
      model: "tiny",
      messages: [{ role: "user", content: "Say hello." }],
      maxTokens: 40,
      temperature: 0.8,
      seed: 7,
    });
    const tokens: string[] = [];
    const phases = new Set<string>();
    for await (const e of events) {
      if (e.type === "progress") phases.add(e.phase);
      if (e.type === "chunk" && e.stream === "token") tokens.push(e.data);
    }
    const result = await awaitJobResult(db, ws.id, jobId);
    expect(result.status, result.error ?? "").toBe("succeeded");
    expect(result.output?.kind).toBe("inference");
    expect(tokens.length).toBeGreaterThan(0);
    expect(tokens.join("")).toBe(result.output?.kind === "inference" ? result.output.text : "");
    expect(result.usage?.promptTokens).toBeGreaterThan(0);
    expect(result.usage?.completionTokens).toBeGreaterThan(0);
    expect(phases).toContain("loading_model");
  }, 60_000);

  it("runs a sandboxed test job against a local repository and returns its summary", async () => {
    const { jobId } = await dispatchJob(db, ws.id, {
      kind: "sandbox",
      repository: { url: repo },
      steps: [{ name: "test", run: "sh test.sh" }],
    });
    const result = await awaitJobResult(db, ws.id, jobId);
    expect(result.status, result.error ?? "").toBe("succeeded");
    const output = result.output?.kind === "sandbox" ? result.output : null;
    expect(output?.failed).toBe(true);
    expect(output?.steps[0]?.exitCode).toBe(1);
    expect(output?.summary).toMatchObject({ format: "tap", passed: 3, failed: 1, total: 4 });
  }, 60_000);

  it("cancels a running job", async () => {
    const { jobId } = await dispatchJob(db, ws.id, {
      kind: "sandbox",
      repository: { url: repo },
      steps: [{ name: "slow", run: "sleep 30" }],
    });
    await expect
      .poll(async () => (await db.runnerJob.findUniqueOrThrow({ where: { id: jobId } })).status, { timeout: 20_000 })
      .toBe("running");
    await cancelJob(db, ws.id, jobId, "test cancels");
    const result = await awaitJobResult(db, ws.id, jobId);
    expect(result.status).toBe("cancelled");
  }, 60_000);

  it("finishes a job on a second runner, exactly once, when the first is killed mid-job", async () => {
    const second = await enroll("beta");
    const { jobId } = await dispatchJob(db, ws.id, {
      kind: "sandbox",
      repository: { url: repo },
      steps: [{ name: "work", run: "sleep 10; echo done" }],
    });
    await expect
      .poll(async () => (await db.runnerJob.findUniqueOrThrow({ where: { id: jobId } })).status, { timeout: 20_000 })
      .toBe("running");
    start(second);
    await waitOnline(second);
    first.proc!.kill("SIGKILL");
    const result = await awaitJobResult(db, ws.id, jobId);
    expect(result, JSON.stringify(result)).toMatchObject({ status: "succeeded", runnerId: second.runnerId, attempt: 2 });
    const job = await db.runnerJob.findUniqueOrThrow({ where: { id: jobId } });
    expect(job.excludedRunnerIds).toEqual([first.runnerId]);
    first = second;
  }, 90_000);

  it("a revoked runner is disconnected and exits instead of retrying", async () => {
    await callerFor(db, owner).runner.revoke({ workspaceSlug: ws.slug, runnerId: first.runnerId });
    const code = await exited(first.proc!);
    expect(code).toBe(78);
    expect(first.output.join("")).toMatch(/revoked/i);
  }, 30_000);

  it("drains on SIGTERM: the running job finishes and its result is delivered", async () => {
    const gamma = start(await enroll("gamma"));
    await waitOnline(gamma);
    const { jobId } = await dispatchJob(db, ws.id, {
      kind: "sandbox",
      repository: { url: repo },
      steps: [{ name: "work", run: "sleep 1; echo drained" }],
    });
    await expect
      .poll(async () => (await db.runnerJob.findUniqueOrThrow({ where: { id: jobId } })).status, { timeout: 20_000 })
      .toBe("running");
    await stopRunner(gamma);
    expect(gamma.proc!.exitCode, gamma.output.join("")).toBe(0);
    expect((await db.runnerJob.findUniqueOrThrow({ where: { id: jobId } })).status).toBe("succeeded");
  }, 60_000);
});
