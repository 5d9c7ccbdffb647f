import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeTinyGguf } from "@/gpu-runner/scripts/make-tiny-gguf";
import { testDb } from "../testing/db";
import { callerFor, createUser, createWorkspaceFor, type TestUser } from "../testing/factories";
import { stopBus } from "./bus";
import { createEnrollmentToken } from "./enrollment";
import { awaitJobResult, cancelJob, dispatchJob, dispatchStreaming } from "./jobs";
import { startRunnerAppServer, type RunnerAppServer } from "./testing/app-server";

/**
 * The real `jace-runner` CLI, as separate processes, against the real gateway over real sockets:
 * enroll, connect, inference on a tiny generated GGUF model, a sandboxed test run on a local git
 * repository, cancellation, failover when a runner is killed mid-job, and revocation.
 */

const bin = resolve(import.meta.dirname, "../../gpu-runner/bin/jace-runner.js");
const db = testDb();
let app: RunnerAppServer;
let owner: TestUser;
let ws: { id: string; slug: string };
let root: string;
let modelsDir: string;
let repo: string;
const processes: ChildProcess[] = [];

type Runner = { name: string; configDir: string; runnerId: string; proc?: ChildProcess; output: string[] };

async function enroll(name: string): Promise<Runner> {
  const { token } = await createEnrollmentToken(db, ws.id, { type: "user", id: owner.id, label: owner.email }, null, { labels: [] });
  const configDir = join(root, `config-${name}`);
  const work = join(root, `work-${name}`);
  mkdirSync(work, { recursive: true });
  // Asynchronous on purpose: the app server answering the enrollment lives in this process.
  const proc = spawn(
    process.execPath,
    [
      bin,
      "enroll",
      "--server",
      app.url,
      "--name",
      name,
      "--config-dir",
      configDir,
      "--models-dir",
      modelsDir,
      "--work-dir",
      work,
      "--threads",
      "2",
      "--max-jobs",
      "1",
    ],
    { env: { ...process.env, JACE_RUNNER_TOKEN: token }, stdio: ["ignore", "pipe", "pipe"] },
  );
  let out = "";
  proc.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  proc.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  expect(await exited(proc), out).toBe(0);
  const runner = await db.runner.findFirstOrThrow({ where: { workspaceId: ws.id, name } });
  return { name, configDir, runnerId: runner.id, output: [] };
}

function start(runner: Runner): Runner {
  const proc = spawn(process.execPath, [bin, "start", "--config-dir", runner.configDir, "--log-format", "json", "--drain-timeout", "5s"], {
    env: { ...process.env, JACE_RUNNER_ALLOW_LOCAL_REPOSITORIES: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  proc.stdout!.on("data", (d: Buffer) => runner.output.push(d.toString()));
  proc.stderr!.on("data", (d: Buffer) => runner.output.push(d.toString()));
  processes.push(proc);
  runner.proc = proc;
  return runner;
}

async function waitOnline(runner: Runner, timeout = 30_000): Promise<void> {
  await expect
    .poll(async () => (await db.runner.findUniqueOrThrow({ where: { id: runner.runnerId } })).status, { timeout, interval: 200 })
    .toMatch(/online|busy/);
}

function exited(proc: ChildProcess): Promise<number | null> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve(proc.exitCode);
  return new Promise((r) => proc.once("exit", (code) => r(code)));
}

async function stopRunner(runner: Runner): Promise<void> {
  if (!runner.proc || runner.proc.exitCode !== null) return;
  runner.proc.kill("SIGTERM");
  await exited(runner.proc);
  await expect
    .poll(async () => (await db.runner.findUniqueOrThrow({ where: { id: runner.runnerId } })).status, { timeout: 5000 })
    .toBe("offline");
}

function git(args: string[], cwd: string) {
  const r = spawnSync("git", args, {
    cwd,
    encoding: "utf8",
    env: { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@t", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@t" },
  });
  if (r.status !== 0) throw new Error(r.stderr);
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "jace-runner-it-"));
  modelsDir = join(root, "models");
  mkdirSync(modelsDir);
  await writeTinyGguf(join(modelsDir, "tiny.gguf"), { seed: 1 });
  // A repository whose "tests" print a TAP summary: 3 passing, 1 failing.
  repo = join(root, "repo");
  mkdirSync(repo);
  writeFileSync(
    join(repo, "test.sh"),
    "#!/bin/sh\necho 'TAP version 13'\necho '1..4'\necho 'ok 1 adds'\necho 'ok 2 subtracts'\necho 'not ok 3 divides by zero'\necho 'ok 4 multiplies'\nexit 1\n",
  );
  git(["init", "-q", "-b", "main"], repo);
  git(["add", "."], repo);
  git(["commit", "-qm", "init"], repo);

  app = await startRunnerAppServer(db, { heartbeatIntervalMs: 2000, leaseTtlMs: 4000, sweepIntervalMs: 250 });
  owner = await createUser(db);
  ws = await createWorkspaceFor(db, owner, "Real runners");
}, 120_000);

afterAll(async () => {
  for (const p of processes) if (p.exitCode === null) p.kill("SIGKILL");
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
    expect(listed.capabilities?.sandboxes).toContain("bwrap");
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
