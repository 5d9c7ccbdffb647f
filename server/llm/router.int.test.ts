import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { writeTinyGguf } from "@/gpu-runner/scripts/make-tiny-gguf";
import { startOpenAIFake, type OpenAIFake } from "@/test/fakes/openai";
import { overrideEnv } from "../env";
import { stopBus } from "../runners/bus";
import { startRunnerAppServer, type RunnerAppServer } from "../runners/testing/app-server";
import { runnerFleet, type RealRunner, type RunnerFleet } from "../runners/testing/real-runner";
import { testDb } from "../testing/db";
import { createUser, createWorkspaceFor } from "../testing/factories";
import { BudgetExhaustedError, monthStart } from "./budgets";
import { breaker, complete } from "./router";

/**
 * The model router against a real `jace-runner` process (tiny GGUF model) and the loopback OpenAI
 * fake through the real SDK: routing by policy, failover both ways with the reason recorded, the
 * circuit breaker, and budgets under concurrency.
 */

const db = testDb();
let app: RunnerAppServer;
let fake: OpenAIFake;
let fleet: RunnerFleet;
let runner: RealRunner;
let root: string;
let ws: { id: string };
let projectId: string;
const messages = [{ role: "user" as const, content: "Say hello" }];

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "jace-router-"));
  mkdirSync(join(root, "models"));
  await writeTinyGguf(join(root, "models", "tiny.gguf"), { seed: 1 });
  fake = await startOpenAIFake();
  overrideEnv({ OPENAI_BASE_URL: `${fake.url}/v1`, OPENAI_API_KEY: "sk-system-key-for-tests-000000" });
  app = await startRunnerAppServer(db, { heartbeatIntervalMs: 2000, leaseTtlMs: 4000, sweepIntervalMs: 250 });
  const owner = await createUser(db, "Router Owner");
  ws = await createWorkspaceFor(db, owner, "Router");
  projectId = (await db.project.create({ data: { workspaceId: ws.id, name: "p" } })).id;
  fleet = runnerFleet({ db, appUrl: () => app.url, workspaceId: ws.id, owner, root, modelsDir: join(root, "models") });
  runner = fleet.start(await fleet.enroll("box", { maxJobs: 2 }));
  await fleet.waitOnline(runner);
}, 120_000);

afterAll(async () => {
  overrideEnv({ OPENAI_BASE_URL: "", OPENAI_API_KEY: "" });
  fleet?.killAll();
  await app?.close();
  await fake?.close();
  await stopBus();
  rmSync(root, { recursive: true, force: true });
});

beforeEach(async () => {
  fake.setDefault({ kind: "ok" });
  breaker.success(`openai:${ws.id}`);
  breaker.success(`runner:${ws.id}`);
  await db.budget.deleteMany({ where: { workspaceId: ws.id } });
});

const call = (extra: Partial<Parameters<typeof complete>[1]> = {}) =>
  complete(db, { workspaceId: ws.id, projectId, model: "fast", messages, maxTokens: 16, ...extra });

describe("model router", { timeout: 60_000 }, () => {
  it("local-first serves `fast` on the runner, streams tokens, and writes the ledger row", async () => {
    const tokens: string[] = [];
    const r = await call({ onToken: (t) => tokens.push(t), temperature: 0.8, seed: 7 });
    expect(r).toMatchObject({ provider: "runner", model: "tiny", runnerId: runner.runnerId, fallbackReason: null });
    expect(tokens.join("")).toBe(r.text);
    const row = await db.modelCall.findUniqueOrThrow({ where: { id: r.callId } });
    expect(row).toMatchObject({ provider: "runner", requestedModel: "fast", status: "succeeded", stream: true });
    expect(row.costMicros).toBeGreaterThan(0); // energy + amortised GPU time
    expect(row.baselineMicros).toBeGreaterThan(0);
  });

  it("a model with no local equivalent goes to the cloud; local-only refuses it", async () => {
    const r = await call({ model: "smart" });
    expect(r).toMatchObject({ provider: "openai", model: "gpt-4o", fallbackReason: null });
    expect(r.costMicros).toBeGreaterThan(0);
    await expect(call({ model: "smart", policy: "local-only" })).rejects.toThrow(/no local equivalent and this project is local-only/);
    await expect(call({ model: "no-such-model" })).rejects.toThrow(/Unknown model "no-such-model"/);
  });

  it("cloud-preferred fails over to the runner on a cloud 500, recording the reason", async () => {
    fake.script([{ kind: "error", status: 500 }]);
    const r = await call({ policy: "cloud-preferred" });
    expect(r.provider).toBe("runner");
    expect(r.fallbackReason).toMatch(/cloud 500/);
    const row = await db.modelCall.findUniqueOrThrow({ where: { id: r.callId } });
    expect(row.attempts).toEqual([expect.objectContaining({ provider: "openai", reason: expect.stringMatching(/cloud 500/) })]);
  });

  it("a cloud 429 with Retry-After opens the circuit; later calls skip the cloud until it half-opens", async () => {
    // Open for the cooldown (30 s) or the Retry-After, whichever is longer.
    fake.script([{ kind: "error", status: 429, retryAfterSeconds: 20 }]);
    const first = await call({ policy: "cloud-preferred" });
    expect(first.fallbackReason).toMatch(/429/);
    const before = fake.requests.length;
    const second = await call({ policy: "cloud-preferred" });
    expect(second.provider).toBe("runner");
    expect(second.fallbackReason).toMatch(/openai circuit open \(retry in \d+ s\)/);
    expect(fake.requests.length).toBe(before); // the cloud was not called
  });

  it("falls back to the cloud when the runner is gone, and back to local when it returns", async () => {
    await fleet.stop(runner);
    const r = await call();
    expect(r).toMatchObject({ provider: "openai", model: "gpt-4o-mini", fallbackReason: "no runner online" });
    runner = fleet.start(runner);
    await fleet.waitOnline(runner);
    expect((await call()).provider).toBe("runner");
  });

  it("100 concurrent cloud calls against a budget that covers 10 never spend more than the budget", async () => {
    // Each call reserves (prompt estimate + 16 completion tokens) at gpt-4o prices: 10 fit.
    const perCall = Math.ceil(((Math.ceil(messages[0]!.content.length / 2) + 8) * 2500 + 16 * 10_000) / 1000);
    await db.budget.create({
      data: { workspaceId: ws.id, scope: "workspace", monthlyLimitMicros: perCall * 10, periodStart: monthStart() },
    });
    const results = await Promise.allSettled(Array.from({ length: 100 }, () => call({ model: "smart" })));
    const served = results.filter((r) => r.status === "fulfilled");
    const refused = results.filter((r) => r.status === "rejected").map((r) => (r as PromiseRejectedResult).reason as Error);
    expect(served.length).toBeLessThanOrEqual(10);
    expect(served.length).toBeGreaterThan(0);
    expect(refused.every((e) => e instanceof BudgetExhaustedError)).toBe(true);
    const budget = await db.budget.findFirstOrThrow({ where: { workspaceId: ws.id } });
    expect(budget.spentMicros).toBeLessThanOrEqual(budget.monthlyLimitMicros);
    expect(budget.reservedMicros).toBe(0);
  });

  it("with the budget spent, cloud-preferred falls back to the runner instead of refusing", async () => {
    await db.budget.create({
      data: { workspaceId: ws.id, scope: "workspace", monthlyLimitMicros: 1, spentMicros: 1, periodStart: monthStart() },
    });
    const r = await call({ policy: "cloud-preferred" });
    expect(r.provider).toBe("runner");
    expect(r.fallbackReason).toMatch(/budget: The workspace budget for cloud models is spent/);
  });
});
