import { closeCodes, type ServerMessage } from "@jace/gpu-runner/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDb } from "../testing/db";
import { callerFor, createUser, createWorkspaceFor, type TestUser } from "../testing/factories";
import { stopBus } from "./bus";
import { createEnrollmentToken } from "./enrollment";
import { awaitJobResult, cancelJob, dispatchJob } from "./jobs";
import { startRunnerAppServer, type RunnerAppServer } from "./testing/app-server";
import {
  connectTestRunner,
  enrollTestRunner,
  testCapabilities,
  type ConnectOptions,
  type Identity,
  type TestConnection,
} from "./testing/protocol-client";

/**
 * A runner's connection coming and going, over real sockets against the real gateway: results it
 * kept while away are used (and the job runs once), a runner that stops gives its jobs back, and a
 * second process with the same enrollment is refused while a half-dead socket is replaced.
 */

const db = testDb();
let app: RunnerAppServer;
let owner: TestUser;
let ws: { id: string; slug: string };

beforeAll(async () => {
  app = await startRunnerAppServer(db, { heartbeatIntervalMs: 5000, leaseTtlMs: 10_000, sweepIntervalMs: 200, pingTimeoutMs: 1500 });
  owner = await createUser(db);
  ws = await createWorkspaceFor(db, owner, "Reconnecting runners");
});

afterAll(async () => {
  await app.close();
  await stopBus();
});

async function enroll(name: string): Promise<Identity> {
  const actor = { type: "user" as const, id: owner.id, label: owner.email };
  const { token } = await createEnrollmentToken(db, ws.id, actor, null, { labels: [] });
  return enrollTestRunner(app.url, token, name);
}

/** Capabilities with one model of the test's own, so each test's jobs go to its own runners. */
const withModel = (id: string) =>
  testCapabilities({ models: [{ id, sizeBytes: 1, quantization: null, contextLength: null, sha256: null }] });

async function online(identity: Identity, model: string, authExtra?: ConnectOptions["authExtra"]): Promise<TestConnection> {
  const conn = connectTestRunner(app.wsUrl, { identity, capabilities: withModel(model), authExtra });
  await conn.next("welcome");
  return conn;
}

const job = (model: string) => ({ kind: "inference" as const, model, messages: [{ role: "user" as const, content: "hi" }] });

function succeed(conn: TestConnection, jobId: string, text: string) {
  conn.send({
    type: "job.result",
    jobId,
    status: "succeeded",
    output: { kind: "inference", text, finishReason: "stop" },
    error: null,
    usage: {},
  });
}

const jobRow = (jobId: string) => db.runnerJob.findUniqueOrThrow({ where: { id: jobId } });

async function close(...conns: TestConnection[]) {
  for (const c of conns) {
    c.ws.terminate();
    await c.closed;
  }
}

describe("a runner that reconnects", () => {
  it("has the result it finished while disconnected used: the job succeeds on attempt 1 and is not offered again", async () => {
    const a = await enroll("kept-result");
    const first = await online(a, "kept-model", { instanceId: "process-1", runningJobs: [], finishedJobs: [] });
    const { jobId } = await dispatchJob(db, ws.id, job("kept-model"), { queueTimeoutMs: 60_000 });
    await first.next("job.offer");
    first.send({ type: "job.accept", jobId });
    await expect.poll(async () => (await jobRow(jobId)).status).toBe("running");
    first.ws.terminate(); // the network drops; the app sees it and puts the job back in the queue
    await expect.poll(async () => (await jobRow(jobId)).status).toBe("queued");

    // It finished the job meanwhile and kept the result; it says so when it connects again.
    const again = await online(a, "kept-model", { instanceId: "process-1", runningJobs: [], finishedJobs: [jobId] });
    succeed(again, jobId, "kept");
    const result = await awaitJobResult(db, ws.id, jobId);
    expect(result).toMatchObject({ status: "succeeded", attempt: 1, runnerId: a.runnerId, output: { text: "kept" } });
    expect(again.messages.filter((m) => m.type === "job.offer" || m.type === "error")).toEqual([]);
    expect((await jobRow(jobId)).excludedRunnerIds).toEqual([]);
    await close(again);
  });

  it("keeps a job it still runs after the app lost its socket, without a second offer", async () => {
    const a = await enroll("still-running");
    const first = await online(a, "running-model", { runningJobs: [] });
    const { jobId } = await dispatchJob(db, ws.id, job("running-model"), { queueTimeoutMs: 60_000 });
    await first.next("job.offer");
    first.send({ type: "job.accept", jobId });
    await expect.poll(async () => (await jobRow(jobId)).status).toBe("running");
    first.ws.terminate();
    await expect.poll(async () => (await jobRow(jobId)).status).toBe("queued");

    const again = await online(a, "running-model", { runningJobs: [jobId] });
    expect(await jobRow(jobId)).toMatchObject({ status: "running", runnerId: a.runnerId, attempt: 1 });
    again.send({ type: "job.chunk", jobId, seq: 5, stream: "token", data: "still here" });
    succeed(again, jobId, "done");
    expect(await awaitJobResult(db, ws.id, jobId)).toMatchObject({ status: "succeeded", attempt: 1, output: { text: "done" } });
    expect(again.messages.filter((m) => m.type === "job.offer" || m.type === "error")).toEqual([]);
    await close(again);
  });

  it("does not get back a job another runner was offered meanwhile: only that runner's result counts", async () => {
    const a = await enroll("late");
    const b = await enroll("stand-in");
    const first = await online(a, "handed-model", { runningJobs: [] });
    const { jobId } = await dispatchJob(db, ws.id, job("handed-model"), { queueTimeoutMs: 60_000 });
    await first.next("job.offer");
    first.send({ type: "job.accept", jobId });
    await expect.poll(async () => (await jobRow(jobId)).status).toBe("running");
    first.ws.terminate();
    const standIn = await online(b, "handed-model", { runningJobs: [] });
    expect(await standIn.next("job.offer")).toMatchObject({ jobId, attempt: 2 });
    standIn.send({ type: "job.accept", jobId });

    // A comes back still running it: told to stop; and its result is refused.
    const again = await online(a, "handed-model", { runningJobs: [jobId] });
    expect(await again.next("job.cancel")).toMatchObject({ jobId });
    succeed(again, jobId, "A");
    expect(await again.next("error")).toMatchObject({ code: "job_not_held", jobId });
    succeed(standIn, jobId, "B");
    expect(await awaitJobResult(db, ws.id, jobId)).toMatchObject({ status: "succeeded", runnerId: b.runnerId, output: { text: "B" } });
    await close(again, standIn);
  });
});

describe("a runner that reconnects through another app instance", () => {
  it("keeps its jobs and stays online when the instance it left sees the old socket close late", async () => {
    const other = await startRunnerAppServer(db, { heartbeatIntervalMs: 5000, leaseTtlMs: 10_000, sweepIntervalMs: 200 });
    try {
      const a = await enroll("moved");
      const first = await online(a, "moved-model", { instanceId: "process-1", runningJobs: [] });
      const { jobId } = await dispatchJob(db, ws.id, job("moved-model"), { queueTimeoutMs: 60_000 });
      await first.next("job.offer");
      first.send({ type: "job.accept", jobId });
      await expect.poll(async () => (await jobRow(jobId)).status).toBe("running");
      first.ws.pause(); // its network dropped; the first instance does not know yet

      const again = connectTestRunner(other.wsUrl, {
        identity: a,
        capabilities: withModel("moved-model"),
        authExtra: { instanceId: "process-1", runningJobs: [jobId] },
      });
      await again.next("welcome");
      first.ws.terminate(); // now the first instance sees the close
      await expect.poll(() => app.gateway.connectedCount).toBe(0);
      expect(await jobRow(jobId)).toMatchObject({ status: "running", runnerId: a.runnerId, attempt: 1 });
      expect((await db.runner.findUniqueOrThrow({ where: { id: a.runnerId } })).status).toBe("busy");

      succeed(again, jobId, "moved");
      expect(await awaitJobResult(db, ws.id, jobId)).toMatchObject({ status: "succeeded", attempt: 1, output: { text: "moved" } });
      expect(again.messages.filter((m) => m.type === "job.offer" || m.type === "error")).toEqual([]);
      await close(again);
    } finally {
      await other.close();
    }
  });
});

describe("one enrollment, one runner process, across app instances", () => {
  it("refuses a second live process that connects through another instance, naming the host connected", async () => {
    const other = await startRunnerAppServer(db, { heartbeatIntervalMs: 5000, leaseTtlMs: 10_000, sweepIntervalMs: 200 });
    try {
      const a = await enroll("single-across");
      const first = await online(a, "across-model", { host: "box-one", instanceId: "process-1", runningJobs: [] });
      const second = connectTestRunner(other.wsUrl, {
        identity: a,
        capabilities: withModel("across-model"),
        authExtra: { host: "box-two", instanceId: "process-2", runningJobs: [] },
      });
      const refused = await second.closed;
      expect(refused).toMatchObject({ code: closeCodes.alreadyConnected, reason: expect.stringMatching(/from box-one at 127\.0\.0\.1/) });
      first.send({ type: "heartbeat", seq: 1, runningJobs: [] });
      expect(await first.next("heartbeat.ack")).toBeTruthy();
      expect(other.gateway.connectedCount).toBe(0);
      await close(first);
    } finally {
      await other.close();
    }
  });
});

describe("a runner that stops", () => {
  it("is shown draining, and a job it gives back goes to the queue and to another runner, not cancelled", async () => {
    const a = await enroll("stopping");
    const connA = await online(a, "drain-model", { runningJobs: [] });
    const { jobId } = await dispatchJob(db, ws.id, job("drain-model"), { queueTimeoutMs: 60_000 });
    await connA.next("job.offer");
    connA.send({ type: "job.accept", jobId });
    await expect.poll(async () => (await db.runner.findUniqueOrThrow({ where: { id: a.runnerId } })).status).toBe("busy");

    connA.send({ type: "heartbeat", seq: 1, runningJobs: [jobId], draining: true });
    await connA.next("heartbeat.ack");
    await expect
      .poll(async () => (await callerFor(db, owner).runner.get({ workspaceSlug: ws.slug, runnerId: a.runnerId })).status)
      .toBe("draining");

    // Stopped again (a second SIGTERM): it stops the job and gives it back.
    connA.send({ type: "job.reject", jobId, code: "draining", reason: "the runner stopped before the job finished" });
    await expect.poll(async () => (await jobRow(jobId)).status).toBe("queued");
    expect(await jobRow(jobId)).toMatchObject({ attempt: 0, runnerId: null, error: null, declinedRunnerIds: [a.runnerId] });
    expect((await db.runner.findUniqueOrThrow({ where: { id: a.runnerId } })).status).toBe("draining");

    const b = await enroll("takes-over");
    const connB = await online(b, "drain-model", { runningJobs: [] });
    expect(await connB.next("job.offer")).toMatchObject({ jobId, attempt: 1 });
    connB.send({ type: "job.accept", jobId });
    succeed(connB, jobId, "B");
    expect(await awaitJobResult(db, ws.id, jobId)).toMatchObject({ status: "succeeded", runnerId: b.runnerId });
    await close(connA, connB);
  });

  it("ends a job it gives back cancelled when the user cancelled it meanwhile", async () => {
    const a = await enroll("stopping-cancelled");
    const connA = await online(a, "drain-cancel-model", { runningJobs: [] });
    const { jobId } = await dispatchJob(db, ws.id, job("drain-cancel-model"), { queueTimeoutMs: 60_000 });
    await connA.next("job.offer");
    connA.send({ type: "job.accept", jobId });
    await expect.poll(async () => (await jobRow(jobId)).status).toBe("running");
    await cancelJob(db, ws.id, jobId, "user asked");
    await connA.next("job.cancel");
    connA.send({ type: "job.reject", jobId, code: "draining", reason: "the runner stopped before the job finished" });
    expect((await awaitJobResult(db, ws.id, jobId)).status).toBe("cancelled");
    await close(connA);
  });
});

describe("one enrollment, one runner process", () => {
  it("refuses a second live process, naming the host connected; the same process reconnecting replaces its old socket", async () => {
    const a = await enroll("single");
    const first = await online(a, "single-model", { host: "box-one", instanceId: "process-1", runningJobs: [] });
    const second = connectTestRunner(app.wsUrl, {
      identity: a,
      capabilities: withModel("single-model"),
      authExtra: { host: "box-two", instanceId: "process-2", runningJobs: [] },
    });
    const refused = await second.closed;
    expect(refused.code).toBe(closeCodes.alreadyConnected);
    expect(refused.reason).toMatch(/another jace-runner is connected as this runner from box-one at 127\.0\.0\.1/);
    first.send({ type: "heartbeat", seq: 1, runningJobs: [] });
    expect(await first.next("heartbeat.ack")).toBeTruthy();

    const reconnected = await online(a, "single-model", { host: "box-one", instanceId: "process-1", runningJobs: [] });
    expect((await first.closed).code).toBe(closeCodes.replaced);
    await close(reconnected);
  });

  it("lets a new process replace a connection that no longer answers (a half-dead socket)", async () => {
    const a = await enroll("half-dead");
    const stale = await online(a, "half-dead-model", { host: "box-one", instanceId: "process-1", runningJobs: [] });
    stale.ws.pause(); // reads nothing more, so pings go unanswered, as over a dropped network
    const fresh = await online(a, "half-dead-model", { host: "box-one", instanceId: "process-2", runningJobs: [] });
    expect((fresh.messages as ServerMessage[]).some((m) => m.type === "error")).toBe(false);
    expect((await db.runner.findUniqueOrThrow({ where: { id: a.runnerId } })).status).toBe("online");
    await close(stale, fresh);
  });
});
