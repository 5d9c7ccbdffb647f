import { generateKeyPairSync } from "node:crypto";
import { closeCodes, MAX_MESSAGE_BYTES, type ServerMessage } from "@jace/gpu-runner/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDb } from "../testing/db";
import { callerFor, createUser, createWorkspaceFor, type TestUser } from "../testing/factories";
import { stopBus } from "./bus";
import { createEnrollmentToken } from "./enrollment";
import { awaitJobResult, cancelJob, dispatchJob, streamJob } from "./jobs";
import { startRunnerAppServer, type RunnerAppServer } from "./testing/app-server";
import { connectTestRunner, enrollTestRunner, testCapabilities, type Identity, type TestConnection } from "./testing/protocol-client";

const db = testDb();
let app: RunnerAppServer;
let owner: TestUser;
let ws: { id: string; slug: string };
let other: { id: string; slug: string };

async function token(workspaceId: string, ttlMs?: number): Promise<string> {
  return (await createEnrollmentToken(db, workspaceId, { type: "user", id: owner.id, label: owner.email }, null, { labels: [], ttlMs }))
    .token;
}

async function online(identity: Identity, caps = testCapabilities()): Promise<TestConnection> {
  const conn = connectTestRunner(app.wsUrl, { identity, capabilities: caps });
  await conn.next("welcome");
  return conn;
}

const inference = { kind: "inference" as const, model: "tiny", messages: [{ role: "user" as const, content: "hi" }] };

/** A runner's capabilities with one model only, so each test's jobs go to its own runners. */
const withModel = (id: string) =>
  testCapabilities({ models: [{ id, sizeBytes: 1, quantization: null, contextLength: null, sha256: null }] });

/** The runner side of a finished inference job. */
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

beforeAll(async () => {
  app = await startRunnerAppServer(db, { heartbeatIntervalMs: 1000, leaseTtlMs: 1500, authTimeoutMs: 500, sweepIntervalMs: 200 });
  owner = await createUser(db);
  ws = await createWorkspaceFor(db, owner, "Runners A");
  other = await createWorkspaceFor(db, owner, "Runners B");
});

afterAll(async () => {
  await app.close();
  await stopBus();
});

describe("enrollment", () => {
  it("trades a one-time token for a runner identity; the token then dies", async () => {
    const t = await token(ws.id);
    const id = await enrollTestRunner(app.url, t, "box-1");
    const runner = await db.runner.findUniqueOrThrow({ where: { id: id.runnerId } });
    expect(runner).toMatchObject({ workspaceId: ws.id, name: "box-1", publicKey: id.publicKey });
    await expect(enrollTestRunner(app.url, t, "box-2")).rejects.toThrow(/401.*already used/);
    expect(await db.runner.count({ where: { name: "box-2" } })).toBe(0);
    const audit = await db.auditEvent.findFirst({ where: { workspaceId: ws.id, action: "runner.enrolled", targetId: id.runnerId } });
    expect(audit).not.toBeNull();
  });

  it("refuses an expired token, an unknown token, a bad key and a malformed body", async () => {
    const expired = await token(ws.id, -1000);
    await expect(enrollTestRunner(app.url, expired)).rejects.toThrow(/401.*expired/);
    await expect(enrollTestRunner(app.url, "jrt_nonexistent-token-123")).rejects.toThrow(/401.*Unknown enrollment token/);
    const res = await fetch(app.url + "/api/runners/enroll", {
      method: "POST",
      body: JSON.stringify({ token: await token(ws.id), name: "x", publicKey: "A".repeat(60), capabilities: testCapabilities() }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/Ed25519/);
    const bad = await fetch(app.url + "/api/runners/enroll", { method: "POST", body: "{not json" });
    expect(bad.status).toBe(400);
    const huge = await fetch(app.url + "/api/runners/enroll", { method: "POST", body: "x".repeat(70_000) });
    expect(huge.status).toBe(413);
  });

  it("enrolls exactly one runner when one token is used twice at once", async () => {
    const t = await token(ws.id);
    const results = await Promise.allSettled([enrollTestRunner(app.url, t, "race-1"), enrollTestRunner(app.url, t, "race-2")]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
  });
});

describe("authentication", () => {
  let identity: Identity;
  beforeAll(async () => {
    identity = await enrollTestRunner(app.url, await token(ws.id), "auth-box");
  });

  it("welcomes a runner that signs the nonce and marks it online", async () => {
    const conn = await online(identity);
    expect((await db.runner.findUniqueOrThrow({ where: { id: identity.runnerId } })).status).toBe("online");
    conn.ws.close();
    await conn.closed;
  });

  it.each([
    ["a wrong signature", closeCodes.authFailed, (id: Identity) => ({ identity: id, signWith: generateKeyPairSync("ed25519").privateKey })],
    ["an unknown runner", closeCodes.unknownRunner, (id: Identity) => ({ identity: { ...id, runnerId: "nope" } })],
    ["a malformed message", closeCodes.protocolError, () => ({ rawAuth: '{"type":"auth","v":1}' })],
    ["an unknown message type", closeCodes.protocolError, () => ({ rawAuth: '{"type":"steal.jobs"}' })],
    ["a message that is not JSON", closeCodes.protocolError, () => ({ rawAuth: "hello" })],
    [
      "an unsupported protocol version",
      closeCodes.unsupportedVersion,
      (id: Identity) => ({
        rawAuth: JSON.stringify({ type: "auth", v: 99, runnerId: id.runnerId, signature: "x", capabilities: testCapabilities() }),
      }),
    ],
  ])("refuses %s with close code %i", async (_name, code, opts) => {
    const conn = connectTestRunner(app.wsUrl, opts(identity));
    expect((await conn.closed).code).toBe(code);
  });

  it("refuses a replayed auth message (the nonce is per connection)", async () => {
    const first = await online(identity);
    const captured = first.authFrame!;
    first.ws.close();
    await first.closed;
    const replay = connectTestRunner(app.wsUrl, { rawAuth: captured });
    expect((await replay.closed).code).toBe(closeCodes.authFailed);
  });

  it("closes a connection that never authenticates", async () => {
    const conn = connectTestRunner(app.wsUrl, { auth: false });
    expect((await conn.closed).code).toBe(closeCodes.authTimeout);
  });

  it("closes on an oversized message", async () => {
    const conn = await online(identity);
    conn.ws.send("x".repeat(MAX_MESSAGE_BYTES + 10));
    expect((await conn.closed).code).toBe(1009);
  });

  it("revocation closes the socket at once and the runner cannot come back", async () => {
    const id = await enrollTestRunner(app.url, await token(ws.id), "to-revoke");
    const conn = await online(id);
    await callerFor(db, owner).runner.revoke({ workspaceSlug: ws.slug, runnerId: id.runnerId });
    expect((await conn.closed).code).toBe(closeCodes.revoked);
    const again = connectTestRunner(app.wsUrl, { identity: id });
    expect((await again.closed).code).toBe(closeCodes.revoked);
  });
});

describe("jobs", () => {
  it("offers a job to a fitting runner, relays chunks, records the result", async () => {
    const id = await enrollTestRunner(app.url, await token(ws.id), "worker");
    const conn = await online(id);
    const { jobId } = await dispatchJob(db, ws.id, inference);
    const events: string[] = [];
    const stream = (async () => {
      for await (const e of streamJob(db, ws.id, jobId))
        events.push(e.type === "chunk" ? `chunk:${e.data}` : `${e.type}:${e.type === "state" ? e.status : ""}`);
    })();
    const offer = (await conn.next("job.offer")) as Extract<ServerMessage, { type: "job.offer" }>;
    expect(offer).toMatchObject({ jobId, attempt: 1, spec: { kind: "inference", model: "tiny" } });
    conn.send({ type: "job.accept", jobId });
    conn.send({ type: "job.chunk", jobId, seq: 0, stream: "token", data: "Hel" });
    conn.send({ type: "job.chunk", jobId, seq: 1, stream: "token", data: "lo" });
    conn.send({
      type: "job.result",
      jobId,
      status: "succeeded",
      output: { kind: "inference", text: "Hello", finishReason: "stop" },
      error: null,
      usage: { promptTokens: 3, completionTokens: 2, gpuSeconds: 0, cpuSeconds: 0.1, wallSeconds: 0.2 },
    });
    const result = await awaitJobResult(db, ws.id, jobId);
    expect(result).toMatchObject({ status: "succeeded", output: { text: "Hello" }, usage: { completionTokens: 2 }, runnerId: id.runnerId });
    await stream;
    expect(events.filter((e) => e.startsWith("chunk"))).toEqual(["chunk:Hel", "chunk:lo"]);
    expect(events.at(-1)).toBe("state:succeeded");
    conn.ws.close();
    await conn.closed;
  });

  it("refuses a result for a job the runner does not hold, including another workspace's job", async () => {
    const mine = await enrollTestRunner(app.url, await token(ws.id), "honest");
    const conn = await online(mine, testCapabilities({ models: [] }));
    const { jobId: foreign } = await dispatchJob(db, other.id, inference);
    conn.send({ type: "job.result", jobId: foreign, status: "succeeded", output: null, error: null, usage: {} });
    const err = await conn.next("error");
    expect(err).toMatchObject({ code: "job_not_held", jobId: foreign });
    expect((await db.runnerJob.findUniqueOrThrow({ where: { id: foreign } })).status).toBe("queued");
    conn.send({ type: "job.accept", jobId: foreign });
    expect(await conn.next("error")).toMatchObject({ code: "job_not_held" });
    await cancelJob(db, other.id, foreign, "test cleanup");
    conn.ws.close();
    await conn.closed;
  });

  it("waits with a visible reason when no runner fits, then times out clearly", async () => {
    const { jobId } = await dispatchJob(db, ws.id, { ...inference, model: "huge-70b" }, { queueTimeoutMs: 600 });
    const result = await awaitJobResult(db, ws.id, jobId, { pollMs: 100 });
    expect(result.status).toBe("failed");
    expect(result.error).toMatch(/No runner took this job in time/);
  });

  it("re-queues a job to a second runner when the first disconnects mid-job; the late result is refused", async () => {
    const caps = withModel("failover-model");
    const a = await enrollTestRunner(app.url, await token(ws.id), "first");
    const connA = await online(a, caps);
    const { jobId } = await dispatchJob(db, ws.id, { ...inference, model: "failover-model" });
    await connA.next("job.offer");
    connA.send({ type: "job.accept", jobId });
    await new Promise((r) => setTimeout(r, 100));
    connA.ws.terminate();

    const b = await enrollTestRunner(app.url, await token(ws.id), "second");
    const connB = await online(b, caps);
    const offer = (await connB.next("job.offer")) as Extract<ServerMessage, { type: "job.offer" }>;
    expect(offer).toMatchObject({ jobId, attempt: 2 });
    connB.send({ type: "job.accept", jobId });
    succeed(connB, jobId, "B");
    const result = await awaitJobResult(db, ws.id, jobId);
    expect(result).toMatchObject({ status: "succeeded", runnerId: b.runnerId, output: { text: "B" } });

    const connA2 = await online(a, caps);
    succeed(connA2, jobId, "A");
    expect(await connA2.next("error")).toMatchObject({ code: "job_not_held" });
    expect((await db.runnerJob.findUniqueOrThrow({ where: { id: jobId } })).output).toMatchObject({ text: "B" });
    for (const c of [connB, connA2]) {
      c.ws.close();
      await c.closed;
    }
  });

  it("offers a job back to the workspace's only runner when it reconnects, instead of leaving it to time out", async () => {
    const caps = withModel("only-model");
    const a = await enrollTestRunner(app.url, await token(ws.id), "only");
    const connA = await online(a, caps);
    const { jobId } = await dispatchJob(db, ws.id, { ...inference, model: "only-model" }, { queueTimeoutMs: 60_000 });
    await connA.next("job.offer");
    connA.send({ type: "job.accept", jobId });
    connA.ws.terminate(); // its network dropped, or the app instance restarted
    await expect.poll(async () => (await db.runnerJob.findUniqueOrThrow({ where: { id: jobId } })).status).toBe("queued");

    const again = await online(a, caps);
    const offer = await again.next("job.offer");
    expect(offer).toMatchObject({ jobId, attempt: 2 });
    again.send({ type: "job.accept", jobId });
    succeed(again, jobId, "A");
    const result = await awaitJobResult(db, ws.id, jobId);
    expect(result).toMatchObject({ status: "succeeded", runnerId: a.runnerId, attempt: 2, output: { text: "A" } });
    expect((await db.runnerJob.findUniqueOrThrow({ where: { id: jobId } })).excludedRunnerIds).toEqual([a.runnerId]);
    again.ws.close();
    await again.closed;
  });

  it("offers nothing more to a runner that declined a job because it is stopping, and the job again once it is back", async () => {
    const caps = { ...withModel("declined-model"), maxConcurrentJobs: 2 };
    const a = await enrollTestRunner(app.url, await token(ws.id), "draining");
    const connA = await online(a, caps);
    const { jobId } = await dispatchJob(db, ws.id, { ...inference, model: "declined-model" }, { queueTimeoutMs: 60_000 });
    await connA.next("job.offer");
    connA.send({ type: "job.reject", jobId, code: "draining", reason: "draining" });
    await expect
      .poll(async () => (await db.runnerJob.findUniqueOrThrow({ where: { id: jobId } })).queuedReason)
      .toMatch(/declined this job/); // (other tests' runners may be online too)
    // Nothing else is offered on that connection either.
    const { jobId: second } = await dispatchJob(db, ws.id, { ...inference, model: "declined-model" }, { queueTimeoutMs: 60_000 });
    await expect(connA.next("job.offer", 800)).rejects.toThrow(/no job.offer/);
    expect(await db.runnerJob.findUniqueOrThrow({ where: { id: jobId } })).toMatchObject({
      status: "queued",
      attempt: 0,
      declinedRunnerIds: [a.runnerId],
    });

    // Restarted (after an update, say), it takes both.
    connA.ws.close();
    await connA.closed;
    const again = await online(a, caps);
    const offers = [await again.next("job.offer"), await again.next("job.offer")];
    expect(offers.map((o) => (o as { jobId: string }).jobId).sort()).toEqual([jobId, second].sort());
    expect(offers.map((o) => (o as { attempt: number }).attempt)).toEqual([1, 1]);
    for (const id of [jobId, second]) await cancelJob(db, ws.id, id, "test cleanup");
    again.ws.close();
    await again.closed;
  });

  it("offers a job declined for lack of a slot again once the runner reports a free one", async () => {
    const caps = withModel("capacity-model");
    const a = await enrollTestRunner(app.url, await token(ws.id), "full");
    const connA = await online(a, caps);
    const { jobId } = await dispatchJob(db, ws.id, { ...inference, model: "capacity-model" }, { queueTimeoutMs: 60_000 });
    await connA.next("job.offer");
    // Still running a job this app gave to another runner while it was away, say.
    connA.send({ type: "job.reject", jobId, code: "at_capacity", reason: "at capacity (1 of 1 jobs running)" });
    await expect.poll(async () => (await db.runnerJob.findUniqueOrThrow({ where: { id: jobId } })).queuedReason).toMatch(/busy/);
    await expect(connA.next("job.offer", 500)).rejects.toThrow(/no job.offer/);
    expect(await db.runnerJob.findUniqueOrThrow({ where: { id: jobId } })).toMatchObject({ attempt: 0, declinedRunnerIds: [] });

    connA.send({ type: "heartbeat", seq: 1, runningJobs: [] });
    expect(await connA.next("job.offer")).toMatchObject({ jobId, attempt: 1 });
    connA.send({ type: "job.accept", jobId });
    succeed(connA, jobId, "A");
    expect(await awaitJobResult(db, ws.id, jobId)).toMatchObject({ status: "succeeded", runnerId: a.runnerId, attempt: 1 });
    connA.ws.close();
    await connA.closed;
  });

  it("counts the jobs a runner reports running against its slots", async () => {
    const caps = { ...withModel("slots-model"), maxConcurrentJobs: 1 };
    const a = await enrollTestRunner(app.url, await token(ws.id), "reporting");
    const connA = await online(a, caps);
    // A job this app does not know it runs (given to another runner while it was away).
    connA.send({ type: "heartbeat", seq: 1, runningJobs: ["zombie-job"] });
    await connA.next("heartbeat.ack");
    const { jobId } = await dispatchJob(db, ws.id, { ...inference, model: "slots-model" }, { queueTimeoutMs: 60_000 });
    await expect(connA.next("job.offer", 500)).rejects.toThrow(/no job.offer/);
    connA.send({ type: "heartbeat", seq: 2, runningJobs: [] });
    expect(await connA.next("job.offer")).toMatchObject({ jobId });
    await cancelJob(db, ws.id, jobId, "test cleanup");
    connA.ws.close();
    await connA.closed;
  });

  it("re-queues when a runner stops renewing its lease", async () => {
    const caps = withModel("lease-model");
    const a = await enrollTestRunner(app.url, await token(ws.id), "silent");
    const b = await enrollTestRunner(app.url, await token(ws.id), "standby");
    const connA = await online(a, caps);
    const { jobId } = await dispatchJob(db, ws.id, { ...inference, model: "lease-model" });
    await connA.next("job.offer");
    connA.send({ type: "job.accept", jobId });
    // Keep heartbeating (so the socket stays) but never renew the lease. The standby is online
    // before the lease runs out, so the retry goes to it rather than back to the silent runner.
    const hb = setInterval(() => connA.send({ type: "heartbeat", seq: 1, runningJobs: [jobId] }), 300);
    const connB = await online(b, caps);
    const offer = await connB.next("job.offer", 6000);
    expect(offer).toMatchObject({ jobId, attempt: 2 });
    clearInterval(hb);
    for (const c of [connA, connB]) {
      c.ws.close();
      await c.closed;
    }
  });

  it("schedules by the labels set in the dashboard, and a relabel takes effect at once", async () => {
    const caps = testCapabilities({
      labels: ["rtx2070"],
      models: [{ id: "label-model", sizeBytes: 1, quantization: null, contextLength: null, sha256: null }],
    });
    const id = await enrollTestRunner(app.url, await token(ws.id), "labelled", caps);
    const conn = await online(id, caps);
    const { jobId } = await dispatchJob(db, ws.id, { ...inference, model: "label-model" }, { labels: ["gpu-large"] });
    await expect
      .poll(async () => (await db.runnerJob.findUniqueOrThrow({ where: { id: jobId } })).queuedReason, { timeout: 3000 })
      .toMatch(/lacks label gpu-large/);
    await callerFor(db, owner).runner.relabel({ workspaceSlug: ws.slug, runnerId: id.runnerId, labels: ["rtx2070", "gpu-large"] });
    expect(await conn.next("job.offer")).toMatchObject({ jobId });
    await cancelJob(db, ws.id, jobId, "done");
    conn.ws.close();
    await conn.closed;
  });

  it("cancels a running job by telling its runner", async () => {
    const caps = withModel("cancel-model");
    const id = await enrollTestRunner(app.url, await token(ws.id), "cancellable");
    const conn = await online(id, caps);
    const { jobId } = await dispatchJob(db, ws.id, { ...inference, model: "cancel-model" });
    await conn.next("job.offer");
    conn.send({ type: "job.accept", jobId });
    await new Promise((r) => setTimeout(r, 50));
    await cancelJob(db, ws.id, jobId, "user asked");
    expect(await conn.next("job.cancel")).toMatchObject({ jobId, reason: "user asked" });
    conn.send({ type: "job.result", jobId, status: "cancelled", output: null, error: "cancelled", usage: {} });
    expect((await awaitJobResult(db, ws.id, jobId)).status).toBe("cancelled");
    conn.ws.close();
    await conn.closed;
  });
});
