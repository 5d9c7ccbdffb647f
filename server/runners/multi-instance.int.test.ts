import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { testDb } from "../testing/db";
import { createUser, createWorkspaceFor } from "../testing/factories";
import { startBus, stopBus } from "./bus";
import { createEnrollmentToken } from "./enrollment";
import { awaitJobResult, cancelJob, dispatchJob, dispatchStreaming } from "./jobs";
import { connectTestRunner, enrollTestRunner, testCapabilities, type TestConnection } from "./testing/protocol-client";

/**
 * Two app instances: the runner's socket is held by another process (instance B); this process
 * (instance A) dispatches, streams, awaits and cancels. Everything between them goes through
 * PostgreSQL (LISTEN/NOTIFY and SKIP LOCKED), as behind a load balancer.
 */

const db = testDb();
let instanceB: ChildProcess;
let b: { url: string; wsUrl: string };
let conn: TestConnection;
let workspaceId: string;

beforeAll(async () => {
  await startBus();
  instanceB = spawn(process.execPath, ["--import", "tsx", resolve(import.meta.dirname, "testing/instance-process.ts")], {
    env: { ...process.env, DATABASE_URL: inject("databaseUrl"), LOG_LEVEL: "silent" },
    stdio: ["pipe", "pipe", "inherit"],
  });
  const line = await new Promise<string>((r) => createInterface({ input: instanceB.stdout! }).once("line", r));
  b = JSON.parse(line) as { url: string; wsUrl: string };
  const owner = await createUser(db);
  const ws = await createWorkspaceFor(db, owner, "Two instances");
  workspaceId = ws.id;
  const { token } = await createEnrollmentToken(db, ws.id, { type: "user", id: owner.id, label: owner.email }, null, { labels: [] });
  const identity = await enrollTestRunner(b.url, token, "on-instance-b");
  conn = connectTestRunner(b.wsUrl, {
    identity,
    capabilities: testCapabilities({ maxConcurrentJobs: 2 }),
    onMessage: (m, c) => {
      if (m.type !== "job.offer") return;
      c.send({ type: "job.accept", jobId: m.jobId });
      if (m.spec.kind !== "inference" || m.spec.messages[0]?.content !== "hang") {
        c.send({ type: "job.chunk", jobId: m.jobId, seq: 0, stream: "token", data: "from B" });
        c.send({
          type: "job.result",
          jobId: m.jobId,
          status: "succeeded",
          output: { kind: "inference", text: "from B", finishReason: "stop" },
          error: null,
          usage: {},
        });
      }
    },
  });
  await conn.next("welcome");
}, 60_000);

afterAll(async () => {
  conn?.ws.close();
  instanceB?.stdin?.write("exit\n");
  await new Promise((r) => (instanceB.exitCode !== null ? r(null) : instanceB.once("exit", r)));
  await stopBus();
});

describe("several app instances", () => {
  it("a job dispatched on instance A runs on a runner connected to instance B, streamed and awaited on A", async () => {
    // The DATABASE_URL env of this process points at the test database (see server/testing/db.ts).
    const { jobId, events } = await dispatchStreaming(db, workspaceId, {
      kind: "inference",
      model: "tiny",
      messages: [{ role: "user", content: "hi" }],
    });
    const chunks: string[] = [];
    for await (const e of events) if (e.type === "chunk") chunks.push(e.data);
    const result = await awaitJobResult(db, workspaceId, jobId);
    expect(result).toMatchObject({ status: "succeeded", output: { text: "from B" } });
    expect(chunks.join("")).toBe("from B");
  });

  it("a cancel issued on instance A reaches the runner held by instance B", async () => {
    const { jobId } = await dispatchJob(db, workspaceId, {
      kind: "inference",
      model: "tiny",
      messages: [{ role: "user", content: "hang" }],
    });
    await expect
      .poll(async () => (await db.runnerJob.findUniqueOrThrow({ where: { id: jobId } })).status, { timeout: 5000 })
      .toBe("running");
    await cancelJob(db, workspaceId, jobId, "from instance A");
    expect(await conn.next("job.cancel")).toMatchObject({ jobId, reason: "from instance A" });
    conn.send({ type: "job.result", jobId, status: "cancelled", output: null, error: "cancelled", usage: {} });
    expect((await awaitJobResult(db, workspaceId, jobId)).status).toBe("cancelled");
  });
});
