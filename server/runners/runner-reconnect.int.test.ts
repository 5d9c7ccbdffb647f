import { cpSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeTinyGguf } from "@/gpu-runner/scripts/make-tiny-gguf";
import { LOCK_FILE } from "@/gpu-runner/src/lock";
import { testDb } from "../testing/db";
import { callerFor, createUser, createWorkspaceFor, type TestUser } from "../testing/factories";
import { stopBus } from "./bus";
import { awaitJobResult, cancelJob, dispatchJob } from "./jobs";
import { startRunnerAppServer, type RunnerAppServer } from "./testing/app-server";
import { createTapRepo, exited, pollUntil, runnerFleet, type RunnerFleet } from "./testing/real-runner";

/**
 * The real `jace-runner` process when its connection comes and goes: the app restarts while it
 * finishes a job, it is stopped twice, and a copy of its enrollment is started elsewhere.
 */

const db = testDb();
const gatewayOptions = { heartbeatIntervalMs: 2000, leaseTtlMs: 4000, sweepIntervalMs: 250 };
let app: RunnerAppServer;
let owner: TestUser;
let ws: { id: string; slug: string };
let root: string;
let repo: string;
let fleet: RunnerFleet;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "jace-runner-reconnect-"));
  const modelsDir = join(root, "models");
  mkdirSync(modelsDir);
  await writeTinyGguf(join(modelsDir, "tiny.gguf"), { seed: 1 });
  repo = createTapRepo(join(root, "repo"));
  app = await startRunnerAppServer(db, gatewayOptions);
  owner = await createUser(db);
  ws = await createWorkspaceFor(db, owner, "Reconnecting real runners");
  fleet = runnerFleet({ db, appUrl: () => app.url, workspaceId: ws.id, owner, root, modelsDir });
}, 120_000);

afterAll(async () => {
  fleet?.killAll();
  await app?.close();
  await stopBus();
  rmSync(root, { recursive: true, force: true });
});

const sandboxJob = (run: string) => ({ kind: "sandbox" as const, repository: { url: repo }, steps: [{ name: "work", run }] });
const jobRow = (jobId: string) => db.runnerJob.findUniqueOrThrow({ where: { id: jobId } });
const waitRunning = (jobId: string) => expect.poll(async () => (await jobRow(jobId)).status, { timeout: 20_000 }).toBe("running");

describe("a real jace-runner whose connection comes and goes", () => {
  it("finishes a job while the app restarts; the kept result is used on attempt 1 and the job runs once", async () => {
    const runner = fleet.start(await fleet.enroll("restart"));
    await fleet.waitOnline(runner);
    const { jobId } = await dispatchJob(db, ws.id, sandboxJob("sleep 3; echo finished"), { queueTimeoutMs: 120_000 });
    await waitRunning(jobId);

    const port = Number(new URL(app.url).port);
    await app.close(); // the app goes away while the job runs
    await pollUntil(
      async () => runner.output.join(""),
      (out) => out.includes("result kept until reconnected"),
      30_000,
      "the result kept",
    );
    app = await startRunnerAppServer(db, { ...gatewayOptions, port });

    const result = await awaitJobResult(db, ws.id, jobId);
    expect(result, JSON.stringify(result)).toMatchObject({ status: "succeeded", attempt: 1, runnerId: runner.runnerId });
    const started = runner.output
      .join("")
      .split("\n")
      .filter((l) => l.includes('"job started"') && l.includes(jobId));
    expect(started).toHaveLength(1);
    await fleet.stop(runner);
  }, 90_000);

  it("stopped twice, it shows draining, then gives its job back to the queue instead of cancelling the task", async () => {
    const runner = fleet.start(await fleet.enroll("stopping", { labels: ["stopping"] }));
    await fleet.waitOnline(runner);
    const { jobId } = await dispatchJob(db, ws.id, sandboxJob("sleep 60"), { labels: ["stopping"], queueTimeoutMs: 120_000 });
    await waitRunning(jobId);

    runner.proc!.kill("SIGTERM");
    const caller = callerFor(db, owner);
    await expect
      .poll(async () => (await caller.runner.get({ workspaceSlug: ws.slug, runnerId: runner.runnerId })).status, { timeout: 10_000 })
      .toBe("draining");
    runner.proc!.kill("SIGTERM");
    expect(await exited(runner.proc!), runner.output.join("")).toBe(0);
    expect(await jobRow(jobId)).toMatchObject({ status: "queued", attempt: 0, error: null, declinedRunnerIds: [runner.runnerId] });
    await cancelJob(db, ws.id, jobId, "test cleanup");
  }, 60_000);

  it("a second process with a copy of the enrollment is refused, naming the host, and exits 78; the first keeps running", async () => {
    const first = fleet.start(await fleet.enroll("single"));
    await fleet.waitOnline(first);
    const copy = join(root, "config-single-copy");
    // As on another machine: no lock file of the first there, so only the server can tell.
    cpSync(first.configDir, copy, { recursive: true, filter: (src) => !src.endsWith(LOCK_FILE) });
    const second = fleet.start({ ...first, configDir: copy, output: [] });
    expect(await exited(second.proc!)).toBe(78);
    expect(second.output.join("")).toContain(`another jace-runner is connected as this runner from ${hostname()}`);
    expect(first.proc!.exitCode).toBeNull();
    expect((await db.runner.findUniqueOrThrow({ where: { id: first.runnerId } })).status).toBe("online");
    await fleet.stop(first);
  }, 60_000);
});
