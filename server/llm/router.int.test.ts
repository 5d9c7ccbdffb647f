import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { writeTinyGguf } from "@/gpu-runner/scripts/make-tiny-gguf";
import { startOpenAIFake, type OpenAIFake } from "@/test/fakes/openai";
import { overrideEnv } from "../env";
import { stopBus } from "../runners/bus";
import { startRunnerAppServer, type RunnerAppServer } from "../runners/testing/app-server";
import { pollUntil, runnerFleet, type RealRunner, type RunnerFleet } from "../runners/testing/real-runner";
import { testDb } from "../testing/db";
import { statementsSent } from "../testing/statements";
import { createUser, createWorkspaceFor } from "../testing/factories";
import { localUsage } from "../features/billing/metering";
import { monthKey } from "../features/usage/period";
import { AppError } from "../errors";
import { BudgetExhaustedError, monthStart } from "./budgets";
import { removeOpenAIKey, saveOpenAIKey } from "./credentials";
import { cloudCostMicros, resolvePricing } from "./pricing";
import { advanceBreakerClock, breaker, complete } from "./router";

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
  // Models the runner lists but llama.cpp cannot run: every job on them is a runner error. The
  // broken one aborts llama.cpp on load, taking the model process down (restarting it is slow);
  // llama.cpp refuses the truncated one (its last tensor ends past the file) and stays warm.
  await writeTinyGguf(join(root, "models", "broken.gguf"), { seed: 1, omitKeys: ["llama.feed_forward_length"] });
  const tiny = readFileSync(join(root, "models", "tiny.gguf"));
  writeFileSync(join(root, "models", "truncated.gguf"), tiny.subarray(0, tiny.length - 1024));
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

/** `fast` pinned to the tiny model (its "*" would also match the broken one). */
const catalog = {
  fast: { local: ["tiny"], cloud: "gpt-4o-mini" },
  broken: { local: ["broken"], cloud: "gpt-4o-mini" },
  truncated: { local: ["truncated"], cloud: "gpt-4o-mini" },
  "tiny-or-4o": { local: ["tiny"], cloud: "gpt-4o" },
};

beforeEach(async () => {
  fake.setDefault({ kind: "ok" });
  breaker.success(`openai:${ws.id}`);
  breaker.success(`runner:${ws.id}`);
  await db.budget.deleteMany({ where: { workspaceId: ws.id } });
  await db.workspace.update({ where: { id: ws.id }, data: { llmSettings: { catalog } } });
});

/** Statements that touch budget holds, read the route or create a runner job. */
const holdStatements = /"BudgetReservation"|FROM "Workspace" w|INSERT INTO \S*"RunnerJob"/;

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
    await expect(call({ model: "smart", policy: "local-only" })).rejects.toThrow(/no local equivalent and this call is local-only/);
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
    // Each call reserves (prompt estimate + 16 completion tokens) at gpt-4o prices: 10 fit. Each also
    // spends all it reserved: a cheaper answer would free budget for calls that reserve after it
    // settles, and how many those are depends on the machine's speed.
    const promptEstimate = Math.ceil(messages[0]!.content.length / 2) + 8;
    fake.setDefault({ kind: "ok", promptTokens: promptEstimate, completionTokens: 16 });
    const perCall = Math.ceil((promptEstimate * 2500 + 16 * 10_000) / 1000);
    await db.budget.create({
      data: { workspaceId: ws.id, scope: "workspace", monthlyLimitMicros: perCall * 10, periodStart: monthStart() },
    });
    const results = await Promise.allSettled(Array.from({ length: 100 }, () => call({ model: "smart" })));
    const served = results.filter((r) => r.status === "fulfilled");
    const refused = results.filter((r) => r.status === "rejected").map((r) => (r as PromiseRejectedResult).reason as Error);
    expect(served.length).toBe(10);
    expect(refused.every((e) => e instanceof BudgetExhaustedError)).toBe(true);
    const budget = await db.budget.findFirstOrThrow({ where: { workspaceId: ws.id } });
    expect(budget.spentMicros).toBeLessThanOrEqual(budget.monthlyLimitMicros);
    expect(budget.reservedMicros).toBe(0);
  });

  it("a repeated cloud call holds its budget with its route; a hold the route no longer wants is given back", async () => {
    await db.budget.create({ data: { workspaceId: ws.id, scope: "workspace", monthlyLimitMicros: 1e9, periodStart: monthStart() } });
    /** Nothing held: every hold was settled or given back. */
    const clean = async () => {
      expect(await db.budget.count({ where: { workspaceId: ws.id, reservedMicros: { not: 0 } } })).toBe(0);
      expect(await db.budgetReservation.count({ where: { workspaceId: ws.id, settledAt: null } })).toBe(0);
    };
    const spent = async () => (await db.budget.findFirstOrThrow({ where: { workspaceId: ws.id, scope: "workspace" } })).spentMicros;

    // The first call learns that `smart` goes to the cloud first; the next holds with the route: two statements in all.
    await call({ model: "smart" });
    const before = await spent();
    const { result, texts } = await statementsSent(holdStatements, () => call({ model: "smart" }));
    expect(texts).toHaveLength(2);
    expect(texts[0]).toMatch(/INSERT INTO "BudgetReservation"[\s\S]*FROM "Workspace" w/);
    expect(texts[1]).toMatch(/INSERT INTO "ModelCall"/);
    expect((await spent()) - before).toBe(result.costMicros);
    await clean();

    // The plan changed since the guess: its allowance differs, so the hold is given back and made anew.
    await db.workspace.update({ where: { id: ws.id }, data: { plan: "team" } });
    try {
      const r = await call({ model: "smart" });
      expect(r.provider).toBe("openai");
      const allowance = await db.budget.findFirstOrThrow({ where: { workspaceId: ws.id, scope: "plan" } });
      expect(allowance.spentMicros).toBe(r.costMicros);
      await clean();
    } finally {
      await db.workspace.update({ where: { id: ws.id }, data: { plan: "enterprise" } });
    }

    // The route changed: the cloud went first, now the runner does; the cloud's hold is given back unused.
    const settings = (routingPolicy: string) => ({ llmSettings: { catalog, routingPolicy } });
    await db.workspace.update({ where: { id: ws.id }, data: settings("cloud-preferred") });
    expect((await call({ model: "tiny-or-4o" })).provider).toBe("openai");
    await db.workspace.update({ where: { id: ws.id }, data: settings("local-first") });
    const spentBefore = await spent();
    const local = await statementsSent(holdStatements, () => call({ model: "tiny-or-4o" }));
    expect(local.result.provider).toBe("runner");
    // Given back before the runner's job was created, not held while the runner worked.
    const released = local.texts.findIndex((t) => t.includes('DELETE FROM "BudgetReservation"'));
    const job = local.texts.findIndex((t) => /INSERT INTO \S*"RunnerJob"/.test(t));
    expect(released).toBeGreaterThan(0);
    expect(job).toBeGreaterThan(released);
    expect(await spent()).toBe(spentBefore);
    await clean();
  });

  it("with the budget spent, cloud-preferred falls back to the runner instead of refusing", async () => {
    await db.budget.create({
      data: { workspaceId: ws.id, scope: "workspace", monthlyLimitMicros: 1, spentMicros: 1, periodStart: monthStart() },
    });
    const r = await call({ policy: "cloud-preferred" });
    expect(r.provider).toBe("runner");
    expect(r.fallbackReason).toMatch(/budget: The workspace budget for cloud models is spent/);
  });

  it("budget refusal on a streamed request: nothing streamed, nothing charged, the cloud not called", async () => {
    await db.budget.create({
      data: { workspaceId: ws.id, scope: "workspace", monthlyLimitMicros: 1000, spentMicros: 1000, periodStart: monthStart() },
    });
    const before = fake.requests.length;
    const tokens: string[] = [];
    await expect(call({ model: "smart", onToken: (t) => tokens.push(t) })).rejects.toBeInstanceOf(BudgetExhaustedError);
    expect(tokens).toEqual([]);
    expect(fake.requests.length).toBe(before);
    const row = await db.modelCall.findFirstOrThrow({ where: { workspaceId: ws.id }, orderBy: { createdAt: "desc" } });
    expect(row).toMatchObject({ status: "failed", costMicros: 0, stream: true });
  });
});

describe("failover and the circuit breaker", { timeout: 90_000 }, () => {
  const runnerKey = () => `runner:${ws.id}`;

  it("five runner errors open the runner circuit, which half-opens later and closes on a served call", async () => {
    // Five failed jobs through the real runner, without five slow model-process restarts.
    for (let i = 0; i < 5; i++) {
      const r = await call({ model: "truncated" });
      expect(r.provider).toBe("openai");
      expect(r.fallbackReason).toMatch(/^runner error: inference failed for model "truncated": could not load the model file/);
    }
    expect(breaker.state(runnerKey())).toBe("open");
    const skipped = await call();
    expect(skipped.provider).toBe("openai");
    expect(skipped.fallbackReason).toMatch(/runner circuit open \(retry in \d+ s\)/);
    advanceBreakerClock(31_000);
    expect(breaker.state(runnerKey())).toBe("half-open");
    expect((await call()).provider).toBe("runner"); // the trial
    expect(breaker.state(runnerKey())).toBe("closed");
  });

  it("a half-open trial that meets a busy runner is released: the next call still tries the runner", async () => {
    // Both job slots busy with the longest generations allowed (started while the circuit is closed):
    // 4,000 tokens took 12 s here under load, little more than the 5 s wait below on an idle machine.
    const since = new Date();
    const hold = new AbortController();
    const long = [1, 2].map((seed) =>
      call({ model: "tiny", maxTokens: 32_768, temperature: 0.8, seed, signal: hold.signal, policy: "local-only" }).catch(() => null),
    );
    await pollUntil(
      () => db.runnerJob.count({ where: { workspaceId: ws.id, status: "running", createdAt: { gte: since } } }),
      (n) => n === 2,
      20_000,
      "two running jobs",
    );
    for (let i = 0; i < 5; i++) breaker.failure(runnerKey());
    advanceBreakerClock(31_000);
    // cloud-allowed waits 5 s for a runner slot, then goes to the cloud: the runner was busy, not broken.
    const trial = await call({ policy: "cloud-allowed" });
    expect(trial.provider).toBe("openai");
    expect(trial.fallbackReason).toMatch(/^runner busy/);
    hold.abort();
    await Promise.all(long);
    const next = await call();
    expect(next.provider).toBe("runner");
    expect(breaker.state(runnerKey())).toBe("closed");
  });

  it("a model too big for the runner's VRAM fails over to the cloud with the reason recorded", async () => {
    const huge = await db.runner.create({
      data: {
        workspaceId: ws.id,
        name: "small-gpu",
        publicKey: "unused",
        status: "online",
        lastSeenAt: new Date(),
        capabilities: {
          backend: "cuda",
          gpus: [{ name: "RTX 3050", vramTotalBytes: 4 * 1024 ** 3, vramFreeBytes: 4 * 1024 ** 3 }],
          models: [{ id: "llama-70b", sizeBytes: 40 * 1024 ** 3, quantization: "Q4_K_M", contextLength: 8192, sha256: null }],
          labels: [],
          sandboxes: [],
          ramBytes: 64 * 1024 ** 3,
        },
      },
    });
    try {
      await db.workspace.update({
        where: { id: ws.id },
        data: { llmSettings: { catalog: { ...catalog, big: { local: ["llama-70b"], cloud: "gpt-4o-mini" } } } },
      });
      const r = await call({ model: "big" });
      expect(r.provider).toBe("openai");
      expect(r.fallbackReason).toBe('model llama-70b does not fit model "llama-70b" (40.0 GB) in 4.0 GB of VRAM');
      expect(breaker.state(runnerKey())).toBe("closed");
    } finally {
      await db.runner.delete({ where: { id: huge.id } });
    }
  });

  it("a prompt longer than the local model's context goes to the cloud; local-only refuses it as context_length_exceeded", async () => {
    const long = [{ role: "user" as const, content: "word ".repeat(2000) }]; // about 2,500 tokens; tiny has 2,048
    const r = await call({ messages: long });
    expect(r.provider).toBe("openai");
    expect(r.fallbackReason).toMatch(/does not fit the context of tiny \(2,048\)/);
    const err = (await call({ messages: long, policy: "local-only" }).catch((e: unknown) => e)) as AppError;
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: "BAD_REQUEST", details: { code: "context_length_exceeded", param: "messages" } });
  });

  it("a JSON schema the runner cannot follow is the caller's error: 400, no failover, the circuit stays closed", async () => {
    const before = fake.requests.length;
    for (let i = 0; i < 5; i++) {
      const err = (await call({ jsonSchema: { type: "object", properties: { a: { type: "strnig" } } } }).catch(
        (e: unknown) => e,
      )) as AppError;
      expect(err).toBeInstanceOf(AppError);
      expect(err).toMatchObject({ code: "BAD_REQUEST", details: { code: "invalid_json_schema" } });
      expect(err.message).toMatch(/cannot follow the requested JSON schema \(type "strnig"/);
    }
    expect(fake.requests.length).toBe(before);
    expect(breaker.state(runnerKey())).toBe("closed");
  });

  it("follows a JSON schema on the runner path", async () => {
    const schema = {
      type: "object",
      properties: { verdict: { type: "string", enum: ["pass", "fail"] }, flaky: { type: "boolean" } },
      required: ["verdict", "flaky"],
    };
    const r = await call({ jsonSchema: schema, maxTokens: 64, temperature: 0.8, seed: 5 });
    expect(r.provider).toBe("runner");
    expect(JSON.parse(r.text)).toEqual({ verdict: expect.stringMatching(/^(pass|fail)$/), flaky: expect.any(Boolean) });
  });

  it("OpenAI 401s fail over without counting against the circuit; a 400 is the caller's error and tries nothing else", async () => {
    fake.script(Array.from({ length: 5 }, () => ({ kind: "error" as const, status: 401 as const })));
    for (let i = 0; i < 5; i++) {
      const r = await call({ policy: "cloud-preferred" });
      expect(r.provider).toBe("runner");
      expect(r.fallbackReason).toBe("cloud 401 invalid_api_key");
    }
    expect(breaker.state(`openai:${ws.id}`)).toBe("closed");
    const jobs = await db.runnerJob.count({ where: { workspaceId: ws.id } });
    fake.script([{ kind: "error", status: 400, code: "invalid_prompt", message: "Your prompt was flagged." }]);
    const err = (await call({ policy: "cloud-preferred" }).catch((e: unknown) => e)) as AppError;
    expect(err).toMatchObject({ code: "BAD_REQUEST", details: { code: "invalid_prompt" } });
    expect(err.message).toMatch(/OpenAI refused the request: .*flagged/);
    expect(await db.runnerJob.count({ where: { workspaceId: ws.id } })).toBe(jobs);
    expect(breaker.state(`openai:${ws.id}`)).toBe("closed");
  });

  it("a ledger insert that fails after a paid cloud call neither fails over nor charges twice", async () => {
    await db.budget.create({ data: { workspaceId: ws.id, scope: "workspace", monthlyLimitMicros: 10_000_000, periodStart: monthStart() } });
    await db.$executeRawUnsafe(`
      CREATE OR REPLACE FUNCTION ledger_breaks() RETURNS trigger AS $$
      BEGIN IF NEW."requestedModel" = 'tiny-or-4o' THEN RAISE EXCEPTION 'ledger is down'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`);
    await db.$executeRawUnsafe(`CREATE TRIGGER ledger_breaks BEFORE INSERT ON "ModelCall" FOR EACH ROW EXECUTE FUNCTION ledger_breaks()`);
    try {
      const jobs = await db.runnerJob.count({ where: { workspaceId: ws.id } });
      const cloudCalls = fake.requests.length;
      await expect(call({ model: "tiny-or-4o", policy: "cloud-preferred" })).rejects.toThrow(/ledger is down/);
      expect(fake.requests.length).toBe(cloudCalls + 1);
      expect(await db.runnerJob.count({ where: { workspaceId: ws.id } })).toBe(jobs); // no second provider
      const budget = await db.budget.findFirstOrThrow({ where: { workspaceId: ws.id, scope: "workspace" } });
      expect(budget.spentMicros).toBe(cloudCostMicros(resolvePricing({}), "gpt-4o", 2, 3)); // "Say hello" -> "Echo: Say hello", once
      expect(budget.reservedMicros).toBe(0);
      expect(breaker.state(`openai:${ws.id}`)).toBe("closed");
    } finally {
      await db.$executeRawUnsafe(`DROP TRIGGER IF EXISTS ledger_breaks ON "ModelCall"`);
    }
  });

  it("a cloud stream that breaks midway is billed for the tokens it produced", async () => {
    await db.budget.create({ data: { workspaceId: ws.id, scope: "workspace", monthlyLimitMicros: 10_000_000, periodStart: monthStart() } });
    fake.script([{ kind: "ok", text: "one two three four five six", breakAfterChunks: 3 }]);
    const tokens: string[] = [];
    await expect(call({ model: "smart", onToken: (t) => tokens.push(t) })).rejects.toThrow(/No model provider could serve "smart"/);
    expect(tokens.join("")).toBe("one two three ");
    const row = await db.modelCall.findFirstOrThrow({ where: { workspaceId: ws.id }, orderBy: { createdAt: "desc" } });
    expect(row).toMatchObject({ status: "failed", provider: "openai", model: "gpt-4o", keySource: "system" });
    expect(row.completionTokens).toBeGreaterThan(0);
    expect(row.costMicros).toBeGreaterThan(0);
    const budget = await db.budget.findFirstOrThrow({ where: { workspaceId: ws.id, scope: "workspace" } });
    expect(budget).toMatchObject({ spentMicros: row.costMicros, reservedMicros: 0 });
  });

  // Last in this block: the timed-out job keeps its runner slot for a while.
  it("a runner timeout fails over to the cloud, recording the reason", async () => {
    const r = await call({ maxTokens: 32_768, temperature: 0.8, seed: 3, timeoutMs: 1000 });
    expect(r.provider).toBe("openai");
    expect(r.fallbackReason).toMatch(/^runner timeout: .*timed out after/i);
    const row = await db.modelCall.findUniqueOrThrow({ where: { id: r.callId } });
    expect(row.attempts).toEqual([expect.objectContaining({ provider: "runner", reason: r.fallbackReason })]);
  });
});

describe("prices, keys and the ledger", { timeout: 60_000 }, () => {
  const actor = () => ({ type: "system" as const, label: "test" });

  it("on Jace's key an owner's prices do not apply and added models are refused; with the workspace's own key they do", async () => {
    const overrides = { cloud: { "gpt-4o": { inputPer1k: 0, outputPer1k: 0 }, "gpt-9": { inputPer1k: 0, outputPer1k: 0 } } };
    await db.workspace.update({ where: { id: ws.id }, data: { llmSettings: { catalog, pricing: overrides } } });
    const system = await call({ model: "smart" });
    expect(system.costMicros).toBe(cloudCostMicros(resolvePricing({}), "gpt-4o", 2, 3));
    await expect(call({ model: "gpt-9" })).rejects.toThrow(/only available with your own OpenAI key/);
    expect(await db.modelCall.findUniqueOrThrow({ where: { id: system.callId } })).toMatchObject({ keySource: "system" });

    await saveOpenAIKey(db, ws.id, actor(), null, "sk-workspace-own-key-000000000");
    try {
      const own = await call({ model: "smart" });
      expect(own.costMicros).toBe(0);
      expect(fake.requests.at(-1)?.headers.authorization).toBe("Bearer sk-workspace-own-key-000000000");
      const added = await call({ model: "gpt-9" });
      expect(added).toMatchObject({ provider: "openai", model: "gpt-9" });
      expect(await db.modelCall.findUniqueOrThrow({ where: { id: own.callId } })).toMatchObject({ keySource: "workspace" });
    } finally {
      await removeOpenAIKey(db, ws.id, actor(), null);
    }

    // Stripe is metered with the tokens Jace's key paid for, not the workspace's own.
    const calls = await db.modelCall.findMany({ where: { workspaceId: ws.id, provider: "openai" } });
    const tokens = (rows: typeof calls) => rows.reduce((n, c) => n + c.promptTokens + c.completionTokens, 0);
    const systemTokens = tokens(calls.filter((c) => c.keySource === "system"));
    expect(tokens(calls.filter((c) => c.keySource === "workspace"))).toBeGreaterThan(0);
    expect((await localUsage(db, ws.id, monthKey(new Date()))).cloud_tokens).toBe(systemTokens);
  });

  it("a call's cloud-only baseline is priced on the cloud model its requested model maps to", async () => {
    const prices = resolvePricing({});
    const local = await call({ model: "tiny-or-4o" });
    expect(local.provider).toBe("runner");
    const row = await db.modelCall.findUniqueOrThrow({ where: { id: local.callId } });
    expect(row.baselineMicros).toBe(cloudCostMicros(prices, "gpt-4o", row.promptTokens, row.completionTokens));
    expect(row.baselineMicros).toBeGreaterThan(cloudCostMicros(prices, "gpt-4o-mini", row.promptTokens, row.completionTokens));
    const cloud = await call({ model: "smart" });
    const cloudRow = await db.modelCall.findUniqueOrThrow({ where: { id: cloud.callId } });
    expect(cloudRow.baselineMicros).toBe(cloudRow.costMicros); // no negative saving on a cloud call
  });
});

// Last in the file: the crash takes the model process down, and the next runner job would wait for
// a new one to start (slow under load).
describe("a model process that crashes", { timeout: 90_000 }, () => {
  it("is a runner error: the call fails over to the cloud, recording the reason", async () => {
    const r = await call({ model: "broken" });
    expect(r).toMatchObject({ provider: "openai", model: "gpt-4o-mini" });
    expect(r.fallbackReason).toMatch(/^runner error: model process crashed: /);
    const row = await db.modelCall.findUniqueOrThrow({ where: { id: r.callId } });
    expect(row.attempts).toEqual([{ provider: "runner", model: "broken", reason: r.fallbackReason }]);
  });
});
