import { generateKeyPairSync } from "node:crypto";
import { ENROLL_PATH } from "@jace/gpu-runner/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POST as enrollRoute } from "@/app/api/runners/enroll/route";
import { updateRunner } from "../features/runners/runners";
import { testDb } from "../testing/db";
import { createUser, createWorkspaceFor, type TestUser } from "../testing/factories";
import { stopBus } from "./bus";
import { createEnrollmentToken } from "./enrollment";
import { dispatchJob } from "./jobs";
import { startRunnerAppServer, type RunnerAppServer } from "./testing/app-server";
import { connectTestRunner, enrollTestRunner, testCapabilities } from "./testing/protocol-client";

const db = testDb();
let app: RunnerAppServer;
let owner: TestUser;
let ws: { id: string; slug: string };

const actor = () => ({ type: "user" as const, id: owner.id, label: owner.email });
const token = async (labels: string[] = []) => createEnrollmentToken(db, ws.id, actor(), null, { labels });
const queuedReason = async (jobId: string) => (await db.runnerJob.findUniqueOrThrow({ where: { id: jobId } })).queuedReason;

beforeAll(async () => {
  app = await startRunnerAppServer(db, { heartbeatIntervalMs: 1000, leaseTtlMs: 1500, authTimeoutMs: 500, sweepIntervalMs: 200 });
  owner = await createUser(db);
  ws = await createWorkspaceFor(db, owner, "Enrollment");
});

afterAll(async () => {
  await app.close();
  await stopBus();
});

describe("labels a runner claims", () => {
  it("are kept as requested but never steer scheduling, at enrollment or after connecting", async () => {
    const t = await token(["gpu-small"]);
    const model = "enroll-labels-model";
    const caps = testCapabilities({
      labels: ["gpu-prod"],
      models: [{ id: model, sizeBytes: 1, quantization: null, contextLength: null, sha256: null }],
    });
    const identity = await enrollTestRunner(app.url, t.token, "claims-prod", caps);
    const runner = await db.runner.findUniqueOrThrow({ where: { id: identity.runnerId } });
    expect(runner.labels).toEqual(["gpu-small"]);
    expect((runner.capabilities as { labels: string[] }).labels).toEqual(["gpu-prod"]);
    const audit = await db.auditEvent.findFirstOrThrow({ where: { action: "runner.enrolled", targetId: runner.id } });
    expect(audit.metadata).toMatchObject({ labels: ["gpu-small"], requestedLabels: ["gpu-prod"] });

    // Online, it claims the label again in its capabilities message: still not a scheduling label.
    const conn = connectTestRunner(app.wsUrl, { identity, capabilities: caps });
    try {
      await conn.next("welcome");
      conn.send({ type: "capabilities", capabilities: { ...caps, labels: ["gpu-prod", "trusted"] } });
      const inference = { kind: "inference" as const, model, messages: [{ role: "user" as const, content: "hi" }] };
      const { jobId } = await dispatchJob(db, ws.id, inference, { labels: ["gpu-prod"] });
      await expect.poll(() => queuedReason(jobId), { timeout: 10_000 }).toMatch(/lacks label gpu-prod/);
      expect(conn.messages.some((m) => m.type === "job.offer")).toBe(false);

      // An admin's label does steer it.
      await updateRunner(db, ws.id, actor(), null, runner.id, { labels: ["gpu-small", "gpu-prod"] });
      const offer = await conn.next("job.offer", 10_000);
      expect(offer).toMatchObject({ jobId });
    } finally {
      conn.ws.close();
    }
  });
});

/** A body that never ends, counting what the handler pulled from it. */
function endlessBody(chunkBytes = 16 * 1024) {
  const pulled = { bytes: 0, cancelled: false };
  const chunk = new Uint8Array(chunkBytes).fill(0x20);
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      pulled.bytes += chunk.byteLength;
      controller.enqueue(chunk);
    },
    cancel() {
      pulled.cancelled = true;
    },
  });
  return { stream, pulled };
}

describe("enrollment body size", () => {
  it("refuses a chunked body without content-length once 64 KB have arrived, without reading the rest", async () => {
    const { stream, pulled } = endlessBody();
    const req = new Request(app.url + ENROLL_PATH, { method: "POST", body: stream, duplex: "half" } as RequestInit);
    const res = await enrollRoute(req);
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/64 KB/);
    expect(pulled.cancelled).toBe(true);
    // The stream may read ahead by a chunk or two; nowhere near the body's (endless) size.
    expect(pulled.bytes).toBeLessThan(64 * 1024 + 4 * 16 * 1024);
  });

  it("refuses a declared content-length over the limit before reading, and stores nothing", async () => {
    const t = await token();
    const { publicKey } = generateKeyPairSync("ed25519");
    const json = JSON.stringify({
      token: t.token,
      name: "too-big",
      publicKey: publicKey.export({ format: "der", type: "spki" }).toString("base64"),
      capabilities: testCapabilities(),
    });
    const { stream, pulled } = endlessBody();
    const declared = new Request(app.url + ENROLL_PATH, {
      method: "POST",
      headers: { "content-length": String(32 * 1024 * 1024) },
      body: stream,
      duplex: "half",
    } as RequestInit);
    expect((await enrollRoute(declared)).status).toBe(413);
    expect(pulled.bytes).toBeLessThanOrEqual(16 * 1024);

    // A real request whose JSON is valid but padded past the limit: refused, the token unspent.
    const res = await fetch(app.url + ENROLL_PATH, { method: "POST", body: json + " ".repeat(70_000) });
    expect(res.status).toBe(413);
    expect(await db.runner.count({ where: { workspaceId: ws.id, name: "too-big" } })).toBe(0);
    expect((await db.runnerEnrollmentToken.findUniqueOrThrow({ where: { id: t.id } })).usedAt).toBeNull();
  });
});
