import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startRunner, type RunnerConfig, type RunnerHandle } from "./connection";
import type { JobExecutor } from "./jobs/types";
import { createLogger } from "./log";
import type { RunnerMessage } from "./protocol";
import { startFakeJaceServer, type FakeConnection, type FakeServer } from "./testing/fake-jace-server";
import { ed25519, fakeExecutor, gate, inferenceOffer, testCapabilities, zeroUsage } from "./testing/fixtures";

let server: FakeServer;
let runner: RunnerHandle | null;

beforeEach(async () => {
  server = await startFakeJaceServer({ heartbeatIntervalMs: 40, leaseTtlMs: 120 });
  runner = null;
});

afterEach(async () => {
  runner?.cancelJobs();
  await runner?.stop({ drainTimeoutMs: 0 });
  await server.close();
});

function enrolled(runnerId = "runner_test") {
  const keys = ed25519();
  server.runners.set(runnerId, { publicKey: keys.publicKey, name: "test", capabilities: testCapabilities });
  return { runnerId, privateKey: keys.privateKey };
}

async function start(executor: JobExecutor, overrides: Partial<RunnerConfig> = {}) {
  const { runnerId, privateKey } = enrolled();
  runner = await startRunner(
    {
      server: server.url,
      runnerId,
      privateKey,
      maxConcurrentJobs: 1,
      chunkCoalesceMs: 0,
      backoff: { baseMs: 20, capMs: 100 },
      ...overrides,
    },
    { executor, capabilities: async () => testCapabilities },
  );
  return runner;
}

const ofType = <T extends RunnerMessage["type"]>(connection: FakeConnection, type: T) =>
  connection.messages.filter((m): m is Extract<RunnerMessage, { type: T }> => m.type === type);

/** The first message of that type the connection received, once it arrives. */
const first = <T extends RunnerMessage["type"]>(connection: FakeConnection, type: T) => server.waitFor(() => ofType(connection, type)[0]);

const welcomed = () => server.waitFor(() => server.connections.find((c) => c.authenticated));

const echoExecutor = fakeExecutor(async (spec, ctx) => {
  ctx.emitProgress("generating", 0, "warming up");
  ctx.emitChunk("token", "Hel");
  ctx.emitChunk("token", "lo");
  ctx.emitProgress("generating", 1);
  return {
    status: "succeeded",
    output: { kind: "inference", text: "Hello", finishReason: "stop" },
    error: null,
    usage: { ...zeroUsage, promptTokens: 3, completionTokens: 2 },
  };
});

describe("startRunner", () => {
  it("answers the challenge with a signature the server verifies and reports its capabilities", async () => {
    await start(echoExecutor);
    const connection = await welcomed();
    const [auth] = ofType(connection, "auth");
    expect(auth).toMatchObject({ runnerId: "runner_test", v: 1, capabilities: { labels: ["test"], maxConcurrentJobs: 1 } });
    await server.waitFor(() => runner?.connected);
  });

  it("is refused by the server when it signs with a key the server does not know", async () => {
    const { runnerId } = enrolled();
    runner = await startRunner(
      { server: server.url, runnerId, privateKey: ed25519().privateKey, maxConcurrentJobs: 1, backoff: { baseMs: 20, capMs: 50 } },
      { executor: echoExecutor, capabilities: async () => testCapabilities },
    );
    // authFailed is not fatal: it keeps trying, and never gets a welcome.
    await server.waitFor(() => server.connections.length >= 2);
    expect(server.connections.every((c) => !c.authenticated && c.closed?.code !== 1000)).toBe(true);
    expect(server.connections[0]!.closed?.code).toBe(4001);
  });

  it("runs an offered job and streams its chunks, progress and result", async () => {
    await start(echoExecutor);
    const connection = await welcomed();
    connection.send(inferenceOffer("job_1"));
    const result = await first(connection, "job.result");
    expect(result).toMatchObject({
      jobId: "job_1",
      status: "succeeded",
      output: { text: "Hello" },
      error: null,
      usage: { promptTokens: 3, completionTokens: 2 },
    });
    expect(ofType(connection, "job.accept")).toEqual([{ type: "job.accept", jobId: "job_1" }]);
    const chunks = ofType(connection, "job.chunk");
    expect(chunks.map((c) => c.seq)).toEqual([0, 1]);
    expect(chunks.map((c) => c.data).join("")).toBe("Hello");
    expect(ofType(connection, "job.progress").map((p) => p.fraction)).toEqual([0, 1]);
    // Order on the wire: accept, then progress/chunks, then the result last.
    const jobMessages = connection.messages.filter((m) => "jobId" in m).map((m) => m.type);
    expect(jobMessages[0]).toBe("job.accept");
    expect(jobMessages.at(-1)).toBe("job.result");
  });

  it("coalesces token chunks into fewer frames", async () => {
    await start(
      fakeExecutor(async (_spec, ctx) => {
        for (const token of ["a", "b", "c", "d"]) ctx.emitChunk("token", token);
        ctx.emitChunk("log", "done");
        return { status: "succeeded", output: { kind: "inference", text: "abcd", finishReason: "stop" }, error: null, usage: zeroUsage };
      }),
      { chunkCoalesceMs: 1_000 },
    );
    const connection = await welcomed();
    connection.send(inferenceOffer("job_1"));
    await server.waitFor(() => ofType(connection, "job.result").length);
    expect(ofType(connection, "job.chunk").map(({ seq, stream, data }) => ({ seq, stream, data }))).toEqual([
      { seq: 0, stream: "token", data: "abcd" },
      { seq: 1, stream: "log", data: "done" },
    ]);
  });

  it("sends heartbeats and lease renewals with the running job while it runs", async () => {
    const release = gate();
    await start(
      fakeExecutor(async () => {
        await release.promise;
        return { status: "succeeded", output: { kind: "inference", text: "", finishReason: "stop" }, error: null, usage: zeroUsage };
      }),
    );
    const connection = await welcomed();
    connection.send(inferenceOffer("job_1"));
    await server.waitFor(() => ofType(connection, "lease.renew").length >= 2);
    const beats = await server.waitFor(
      () => ofType(connection, "heartbeat").filter((h) => h.runningJobs.includes("job_1")).length >= 1 && ofType(connection, "heartbeat"),
    );
    expect(beats.map((b) => b.seq)).toEqual(beats.map((_, i) => i));
    expect(ofType(connection, "lease.renew")[0]).toEqual({ type: "lease.renew", jobIds: ["job_1"] });
    release.open();
    await server.waitFor(() => ofType(connection, "job.result").length);
    const renewalsAfter = ofType(connection, "lease.renew").length;
    await server.waitFor(() => ofType(connection, "heartbeat").some((h) => h.seq > beats.length + 1 && h.runningJobs.length === 0));
    expect(ofType(connection, "lease.renew").length).toBeLessThanOrEqual(renewalsAfter + 1);
  });

  it("rejects an offer when every slot is busy", async () => {
    const release = gate();
    await start(
      fakeExecutor(async () => {
        await release.promise;
        return { status: "succeeded", output: { kind: "inference", text: "", finishReason: "stop" }, error: null, usage: zeroUsage };
      }),
    );
    const connection = await welcomed();
    connection.send(inferenceOffer("job_1"));
    connection.send(inferenceOffer("job_2"));
    const reject = await first(connection, "job.reject");
    expect(reject).toMatchObject({ jobId: "job_2", code: "at_capacity", reason: expect.stringContaining("capacity") });
    release.open();
    await server.waitFor(() => ofType(connection, "job.result").length);
  });

  it("aborts a job when the server cancels it", async () => {
    await start(
      fakeExecutor(async (_spec, ctx) => {
        ctx.emitChunk("log", "started");
        await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve));
        return { status: "cancelled", output: null, error: null, usage: zeroUsage };
      }),
    );
    const connection = await welcomed();
    connection.send(inferenceOffer("job_1"));
    await server.waitFor(() => ofType(connection, "job.chunk").length);
    connection.send({ type: "job.cancel", jobId: "job_1", reason: "user cancelled the task" });
    const result = await first(connection, "job.result");
    expect(result).toMatchObject({ jobId: "job_1", status: "cancelled", error: "user cancelled the task" });
  });

  it("fails a job that outlives its timeout", async () => {
    await start(
      fakeExecutor(async (_spec, ctx) => {
        await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve));
        return { status: "cancelled", output: null, error: null, usage: zeroUsage };
      }),
    );
    const connection = await welcomed();
    connection.send(inferenceOffer("job_1", 50));
    const result = await first(connection, "job.result");
    expect(result).toMatchObject({ status: "failed", error: expect.stringContaining("timed out") });
  });

  it("reports a worker that throws as a failed job", async () => {
    await start(
      fakeExecutor(async () => {
        throw new Error("model file is corrupt");
      }),
    );
    const connection = await welcomed();
    connection.send(inferenceOffer("job_1"));
    const result = await first(connection, "job.result");
    expect(result).toMatchObject({ status: "failed", output: null, error: "model file is corrupt" });
  });

  it("exits with the fatal reason and does not reconnect when the runner was revoked", async () => {
    server.refuse.set("runner_test", 4003);
    await start(echoExecutor);
    const exit = await runner!.done;
    expect(exit).toEqual({
      reason: "fatal",
      closeCode: 4003,
      message: "This runner was revoked in the dashboard. Enroll it again with a new token.",
    });
    await new Promise((r) => setTimeout(r, 200));
    expect(server.connections).toHaveLength(1);
  });

  it("exits when the server does not know the runner", async () => {
    const { privateKey } = enrolled();
    runner = await startRunner(
      { server: server.url, runnerId: "runner_deleted", privateKey, maxConcurrentJobs: 1, backoff: { baseMs: 10 } },
      { executor: echoExecutor, capabilities: async () => testCapabilities },
    );
    expect(await runner.done).toMatchObject({ reason: "fatal", closeCode: 4004 });
    expect(server.connections).toHaveLength(1);
  });

  it("reconnects after a non-fatal close and delivers a result that finished while disconnected", async () => {
    const release = gate();
    await start(
      fakeExecutor(async () => {
        await release.promise;
        return { status: "succeeded", output: { kind: "inference", text: "late", finishReason: "stop" }, error: null, usage: zeroUsage };
      }),
      { backoff: { baseMs: 200, capMs: 200, random: () => 0.5 } },
    );
    const before = await welcomed();
    before.send(inferenceOffer("job_1"));
    await server.waitFor(() => ofType(before, "job.accept").length);
    before.close(1001, "server restarting");
    await server.waitFor(() => before.closed);
    const closedAt = Date.now();
    release.open();
    const second = await server.waitFor(() => server.connections[1]?.authenticated && server.connections[1]);
    // Full jitter with random() = 0.5 and base 200 ms waits 100 ms.
    expect(Date.now() - closedAt).toBeGreaterThanOrEqual(90);
    const result = await first(second, "job.result");
    expect(result).toMatchObject({ jobId: "job_1", status: "succeeded", output: { text: "late" } });
    expect(ofType(before, "job.result")).toHaveLength(0);
    // It told the app, as it connected again, that it holds that result, and that it is the same process.
    const [auth1] = ofType(before, "auth");
    const [auth2] = ofType(second, "auth");
    expect(auth1).toMatchObject({ runningJobs: [], finishedJobs: [], draining: false, instanceId: expect.any(String) });
    expect(auth2).toMatchObject({ runningJobs: [], finishedJobs: ["job_1"], instanceId: auth1!.instanceId, host: auth1!.host });
  });

  it("exits with a clear message, without reconnecting, when another process is connected as this runner", async () => {
    server.refuse.set("runner_test", 4008);
    await start(echoExecutor);
    const exit = await runner!.done;
    expect(exit).toMatchObject({ reason: "fatal", closeCode: 4008 });
    expect(exit.reason === "fatal" && exit.message).toMatch(/refused this runner: refused\. Run only one jace-runner per enrollment/);
    expect(server.connections).toHaveLength(1);
  });

  it("resets the backoff after a connection that stayed up, and keeps growing it otherwise", async () => {
    const retries = async (stableAfterMs: number) => {
      const lines: string[] = [];
      const { runnerId, privateKey } = enrolled();
      const handle = await startRunner(
        {
          server: server.url,
          runnerId,
          privateKey,
          maxConcurrentJobs: 1,
          backoff: { baseMs: 20, capMs: 10_000, random: () => 0.999, stableAfterMs },
        },
        {
          executor: echoExecutor,
          capabilities: async () => testCapabilities,
          log: createLogger({ format: "json", write: (l) => lines.push(l) }),
        },
      );
      const from = server.connections.length;
      for (let n = 0; n < 3; n++) {
        const connection = await server.waitFor(() => server.connections.slice(from + n).find((c) => c.authenticated));
        await new Promise((r) => setTimeout(r, 5));
        connection.close(1001, "restart");
      }
      await server.waitFor(() => server.connections.slice(from + 3).find((c) => c.authenticated));
      await handle.stop();
      return lines
        .map((l) => JSON.parse(l) as { event: string; retryInMs?: number })
        .filter((e) => e.event === "disconnected")
        .map((e) => e.retryInMs);
    };
    expect(await retries(0)).toEqual([19, 19, 19]);
    expect(await retries(60_000)).toEqual([19, 39, 79]);
  });

  it("keeps retrying with backoff while the server is down", async () => {
    const url = server.url;
    await server.close();
    const { runnerId, privateKey } = enrolled();
    const delays: number[] = [];
    runner = await startRunner(
      { server: url, runnerId, privateKey, maxConcurrentJobs: 1, backoff: { baseMs: 10, capMs: 40, random: () => (delays.push(0), 1) } },
      { executor: echoExecutor, capabilities: async () => testCapabilities },
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(delays.length).toBeGreaterThanOrEqual(3);
    expect(runner.connected).toBe(false);
    const exit = await runner.stop();
    expect(exit).toEqual({ reason: "stopped", undelivered: 0 });
    server = await startFakeJaceServer();
  });

  it("re-reports capabilities when they change", async () => {
    let models = testCapabilities.models;
    const { runnerId, privateKey } = enrolled();
    runner = await startRunner(
      { server: server.url, runnerId, privateKey, maxConcurrentJobs: 1 },
      { executor: echoExecutor, capabilities: async () => ({ ...testCapabilities, models }) },
    );
    const connection = await welcomed();
    await server.waitFor(() => runner?.connected);
    await runner.refreshCapabilities();
    expect(ofType(connection, "capabilities")).toHaveLength(0);
    models = [{ id: "tiny", sizeBytes: 1024, quantization: "Q4_K_M", contextLength: 2048, sha256: null }];
    await runner.refreshCapabilities();
    const report = await first(connection, "capabilities");
    expect(report.capabilities.models.map((m) => m.id)).toEqual(["tiny"]);
  });

  it("drains on stop: rejects new offers, finishes the running job, sends its result and closes with 1000", async () => {
    const release = gate();
    await start(
      fakeExecutor(async () => {
        await release.promise;
        return { status: "succeeded", output: { kind: "inference", text: "drained", finishReason: "stop" }, error: null, usage: zeroUsage };
      }),
    );
    const connection = await welcomed();
    connection.send(inferenceOffer("job_1"));
    await server.waitFor(() => ofType(connection, "job.accept").length);
    const stopped = runner!.stop();
    connection.send(inferenceOffer("job_2"));
    const reject = await first(connection, "job.reject");
    expect(reject).toEqual({ type: "job.reject", jobId: "job_2", code: "draining", reason: "draining" });
    // It said it is stopping at once (the dashboard shows it draining), not at the next beat.
    expect(ofType(connection, "heartbeat").find((h) => h.draining)).toMatchObject({ runningJobs: ["job_1"] });
    expect(connection.closed).toBeNull();
    release.open();
    expect(await stopped).toEqual({ reason: "stopped", undelivered: 0 });
    expect(ofType(connection, "job.result")[0]).toMatchObject({ jobId: "job_1", status: "succeeded" });
    await server.waitFor(() => connection.closed);
    expect(connection.closed).toEqual({ code: 1000, reason: "runner stopped" });
  });

  it("stops running jobs when the drain times out and gives them back to the queue instead of cancelling them", async () => {
    await start(
      fakeExecutor(async (_spec, ctx) => {
        await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve));
        return { status: "cancelled", output: null, error: null, usage: zeroUsage };
      }),
      { drainTimeoutMs: 50 },
    );
    const connection = await welcomed();
    connection.send(inferenceOffer("job_1"));
    await server.waitFor(() => ofType(connection, "job.accept").length);
    await runner!.stop();
    expect(ofType(connection, "job.result")).toEqual([]);
    expect(ofType(connection, "job.reject")).toEqual([
      { type: "job.reject", jobId: "job_1", code: "draining", reason: "the runner stopped before the job finished" },
    ]);
    await server.waitFor(() => connection.closed?.code === 1000);
  });
});
