import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import type { ChatCompletionChunk } from "openai/resources/chat/completions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeTinyGguf } from "@/gpu-runner/scripts/make-tiny-gguf";
import { startOpenAIFake, type OpenAIFake } from "@/test/fakes/openai";
import { overrideEnv } from "@/server/env";
import { createApiKey, revokeApiKey } from "@/server/features/api-keys/api-keys";
import { monthStart } from "@/server/llm/budgets";
import { stopBus } from "@/server/runners/bus";
import { startRunnerAppServer, type RunnerAppServer } from "@/server/runners/testing/app-server";
import { pollUntil, runnerFleet, type RunnerFleet } from "@/server/runners/testing/real-runner";
import { testDb } from "@/server/testing/db";
import { serveRoutes, type Api } from "./testing/serve-routes";
import { createUser, createWorkspaceFor, type TestUser } from "@/server/testing/factories";

/**
 * The OpenAI-compatible endpoint driven by the official `openai` SDK: the real route handlers on a
 * loopback server, a real `jace-runner` process with the tiny model for local calls, and the
 * OpenAI fake as the cloud.
 */

const db = testDb();

let root: string;
let fake: OpenAIFake;
let app: RunnerAppServer;
let fleet: RunnerFleet;
let api: Api;
let owner: TestUser;
let workspaceId: string;
let apiKeyId: string;
let client: OpenAI;
let succeeded = 0;

const actor = () => ({ type: "user" as const, id: owner.id, label: owner.email });
const sdk = (apiKey: string) => new OpenAI({ apiKey, baseURL: `${api.url}/api/v1`, maxRetries: 0 });
const newestCall = (keyId = apiKeyId) => db.modelCall.findFirstOrThrow({ where: { apiKeyId: keyId }, orderBy: { createdAt: "desc" } });
const prompt = [{ role: "user" as const, content: "Say hello." }];

async function workspaceWithKey(name: string) {
  const ws = await createWorkspaceFor(db, owner, name);
  const { key, secret } = await createApiKey(db, ws.id, actor(), null, `${name} key`);
  return { workspaceId: ws.id, apiKeyId: key.id, client: sdk(secret) };
}

async function collect(stream: AsyncIterable<ChatCompletionChunk>) {
  const chunks: ChatCompletionChunk[] = [];
  for await (const c of stream) chunks.push(c);
  const text = chunks.map((c) => c.choices[0]?.delta.content ?? "").join("");
  return { chunks, text, final: chunks.find((c) => c.choices[0]?.finish_reason), usage: chunks.at(-1)?.usage };
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "jace-openai-compat-"));
  const modelsDir = join(root, "models");
  mkdirSync(modelsDir);
  await writeTinyGguf(join(modelsDir, "tiny.gguf"), { seed: 1 });
  fake = await startOpenAIFake();
  overrideEnv({ OPENAI_BASE_URL: `${fake.url}/v1`, OPENAI_API_KEY: "sk-test-jace-compat-0000000000" });
  app = await startRunnerAppServer(db, { heartbeatIntervalMs: 2000, leaseTtlMs: 4000, sweepIntervalMs: 250 });
  api = await serveRoutes();
  owner = await createUser(db, "Compat Owner");
  const main = await workspaceWithKey("Compat");
  ({ workspaceId, apiKeyId, client } = main);
  fleet = runnerFleet({ db, appUrl: () => app.url, workspaceId, owner, root, modelsDir });
  const runner = fleet.start(await fleet.enroll("gpu-1"));
  await fleet.waitOnline(runner);
}, 120_000);

afterAll(async () => {
  fleet?.killAll();
  await api?.close();
  await app?.close();
  await fake?.close();
  await stopBus();
  overrideEnv({ OPENAI_BASE_URL: "", OPENAI_API_KEY: "" });
  if (root) rmSync(root, { recursive: true, force: true });
});

describe("POST /api/v1/chat/completions through the openai SDK", () => {
  it("answers from the workspace's runner, naming the concrete model, with usage and the provider header", async () => {
    const { data, response } = await client.chat.completions
      .create({ model: "fast", messages: prompt, max_tokens: 16, temperature: 0.8, seed: 7 })
      .withResponse();
    succeeded++;
    expect(data.object).toBe("chat.completion");
    expect(data.model).toBe("tiny");
    expect(data.choices[0]?.message.role).toBe("assistant");
    expect(["stop", "length"]).toContain(data.choices[0]?.finish_reason);
    expect(data.usage?.completion_tokens).toBeGreaterThan(0);
    expect(data.usage?.total_tokens).toBe(data.usage!.prompt_tokens + data.usage!.completion_tokens);
    expect(response.headers.get("x-jace-provider")).toBe("runner");
    expect(response.headers.get("x-request-id")).toBeTruthy();
    const call = await newestCall();
    expect(call).toMatchObject({ status: "succeeded", provider: "runner", model: "tiny", requestedModel: "fast", workspaceId, apiKeyId });
    expect(call.completionTokens).toBe(data.usage!.completion_tokens);
  });

  it("streams a runner's tokens as chunks, then the finish reason, then usage, then [DONE]", async () => {
    // The runner sends tokens in 25 ms frames: 24 tokens of the tiny model fit in one on an idle
    // machine, 400 take several frames however fast it is.
    const stream = await client.chat.completions.create({
      model: "tiny",
      messages: prompt,
      max_tokens: 400,
      temperature: 0.8,
      seed: 7,
      stream: true,
      stream_options: { include_usage: true },
    });
    const { chunks, text, final, usage } = await collect(stream);
    succeeded++;
    expect(chunks[0]?.choices[0]?.delta.role).toBe("assistant");
    expect(chunks.filter((c) => c.choices[0]?.delta.content).length).toBeGreaterThan(1);
    expect(text.length).toBeGreaterThan(0);
    expect(final?.model).toBe("tiny");
    expect((final as unknown as { jace: unknown }).jace).toEqual({ provider: "runner", fallback_reason: null });
    // The usage chunk is last and carries no choices.
    expect(chunks.at(-1)?.choices).toEqual([]);
    expect(usage?.completion_tokens).toBeGreaterThan(0);
    const call = await newestCall();
    expect(call).toMatchObject({
      status: "succeeded",
      provider: "runner",
      stream: true,
      apiKeyId,
      completionTokens: usage!.completion_tokens,
    });
  });

  it("cancels the runner job when the client stops reading a stream", async () => {
    const controller = new AbortController();
    const stream = await client.chat.completions.create(
      // The longest answer allowed: under load 4,000 tokens could end before the cancel arrives.
      { model: "tiny", messages: prompt, max_tokens: 32_768, temperature: 0.8, seed: 3, stream: true },
      { signal: controller.signal },
    );
    let pieces = 0;
    for await (const c of stream) if (c.choices[0]?.delta.content && ++pieces === 3) controller.abort();
    const job = await db.runnerJob.findFirstOrThrow({ where: { workspaceId }, orderBy: { createdAt: "desc" } });
    const status = async () => (await db.runnerJob.findUniqueOrThrow({ where: { id: job.id } })).status;
    expect(await pollUntil(status, (s) => s === "cancelled", 20_000, "the runner job to be cancelled")).toBe("cancelled");
    await pollUntil(
      () => newestCall(),
      (c) => c.status === "failed",
      20_000,
      "the failed ModelCall",
    );
  });

  it("sends a model with no local mapping (smart) to the cloud and charges it", async () => {
    const before = fake.requests.length;
    const { data, response } = await client.chat.completions.create({ model: "smart", messages: prompt, max_tokens: 50 }).withResponse();
    succeeded++;
    expect(data.model).toBe("gpt-4o");
    expect(data.choices[0]?.message.content).toBe("Echo: Say hello.");
    expect(data.usage).toEqual({ prompt_tokens: 2, completion_tokens: 3, total_tokens: 5 });
    expect(response.headers.get("x-jace-provider")).toBe("openai");
    expect(fake.requests.length).toBe(before + 1);
    expect(fake.requests.at(-1)?.body).toMatchObject({ model: "gpt-4o", max_completion_tokens: 50 });
    const call = await newestCall();
    expect(call).toMatchObject({ status: "succeeded", provider: "openai", model: "gpt-4o", apiKeyId });
    expect(call.costMicros).toBeGreaterThan(0);
  });

  it("streams from the cloud with a usage chunk", async () => {
    const stream = await client.chat.completions.create({
      model: "smart",
      messages: [{ role: "user", content: [{ type: "text", text: "Stream three words" }] }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const { chunks, text, final, usage } = await collect(stream);
    succeeded++;
    expect(text).toBe("Echo: Stream three words");
    expect(chunks.filter((c) => c.choices[0]?.delta.content).length).toBe(4);
    expect(final?.model).toBe("gpt-4o");
    expect((final as unknown as { jace: { provider: string } }).jace.provider).toBe("openai");
    expect(usage).toEqual({ prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 });
    expect(await newestCall()).toMatchObject({ provider: "openai", stream: true, status: "succeeded", apiKeyId });
  });

  it("returns JSON that follows a requested json_schema", async () => {
    const schema = {
      type: "object",
      properties: { answer: { type: "string" }, confidence: { type: "number" } },
      required: ["answer", "confidence"],
      additionalProperties: false,
    };
    const data = await client.chat.completions.create({
      model: "smart",
      messages: [{ role: "user", content: "Answer as JSON." }],
      response_format: { type: "json_schema", json_schema: { name: "answer", schema, strict: true } },
    });
    succeeded++;
    const parsed = JSON.parse(data.choices[0]!.message.content!) as Record<string, unknown>;
    expect(parsed).toEqual({ answer: expect.any(String), confidence: expect.any(Number) });
    expect(fake.requests.at(-1)?.body).toMatchObject({ response_format: { type: "json_schema", json_schema: { schema } } });
  });

  it("names the fallback reason when the runner cannot serve and the cloud does", async () => {
    const other = await workspaceWithKey("No runners");
    const { data, response } = await other.client.chat.completions.create({ model: "fast", messages: prompt }).withResponse();
    expect(data.model).toBe("gpt-4o-mini");
    expect(response.headers.get("x-jace-provider")).toBe("openai");
    expect(response.headers.get("x-jace-fallback-reason")).toBe("no runner online");
    expect(await newestCall(other.apiKeyId)).toMatchObject({ provider: "openai", fallbackReason: "no runner online" });
  });

  it("answers 404 model_not_found for an unknown model, streaming or not", async () => {
    const err = await client.chat.completions.create({ model: "no-such-model", messages: prompt }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect(err).toMatchObject({ status: 404, code: "model_not_found", param: "model", type: "invalid_request_error" });
    expect((err as Error).message).toMatch(/Unknown model "no-such-model"/);
    const streamed = await client.chat.completions
      .create({ model: "no-such-model", messages: prompt, stream: true })
      .catch((e: unknown) => e);
    expect(streamed).toBeInstanceOf(OpenAI.NotFoundError);
  });

  it("answers 401 invalid_api_key for a revoked or missing key", async () => {
    const other = await workspaceWithKey("Revoked");
    await revokeApiKey(db, other.workspaceId, actor(), null, other.apiKeyId);
    const err = await other.client.chat.completions.create({ model: "fast", messages: prompt }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(err).toMatchObject({ status: 401, code: "invalid_api_key" });
    expect((err as Error).message).toMatch(/revoked/);
    const missing = await fetch(`${api.url}/api/v1/models`);
    expect(missing.status).toBe(401);
    expect(await missing.json()).toMatchObject({ error: { type: "invalid_request_error", code: "invalid_api_key", param: null } });
    expect(await db.modelCall.count({ where: { apiKeyId: other.apiKeyId } })).toBe(0);
  });

  it("answers 400 for a body that is not JSON, and 413 for one over 1 MB", async () => {
    const { secret } = await createApiKey(db, workspaceId, actor(), null, "raw fetch");
    const post = (body: string) =>
      fetch(`${api.url}/api/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
        body,
      });
    const bad = await post('{"model": "fast", "messages": [');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { type: "invalid_request_error", message: expect.stringMatching(/not valid JSON/) } });
    const huge = await post(JSON.stringify({ model: "fast", messages: [{ role: "user", content: "x".repeat(1024 * 1024 + 1) }] }));
    expect(huge.status).toBe(413);
    expect(await huge.json()).toMatchObject({ error: { code: "request_too_large" } });
  });

  it("answers 400 for invalid fields, naming the param", async () => {
    const err = await client.chat.completions
      .create({ model: "fast", messages: [{ role: "tool", content: "x", tool_call_id: "t" }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err).toMatchObject({ status: 400, param: "messages[0].role" });
  });

  it("answers 400 invalid_json_schema for a response_format schema that is not a JSON schema", async () => {
    const before = fake.requests.length;
    const err = await client.chat.completions
      .create({
        model: "smart",
        messages: prompt,
        response_format: {
          type: "json_schema",
          json_schema: { name: "bad", schema: { type: "object", properties: { a: { type: "banana" } } } },
        },
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err).toMatchObject({ code: "invalid_json_schema", param: "response_format.json_schema.schema" });
    expect((err as Error).message).toMatch(/schema\.properties\.a\.type "banana"/);
    expect(fake.requests.length).toBe(before);
  });

  it("answers 400 context_length_exceeded for a prompt over 200,000 characters", async () => {
    const err = await client.chat.completions
      .create({ model: "fast", messages: [{ role: "user", content: "x".repeat(200_001) }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err).toMatchObject({ code: "context_length_exceeded", param: "messages" });
  });

  it("answers 429 insufficient_quota when the budget is spent, charging nothing and not calling the cloud", async () => {
    const other = await workspaceWithKey("Spent");
    const budget = await db.budget.create({
      data: { workspaceId: other.workspaceId, scope: "workspace", monthlyLimitMicros: 5000, spentMicros: 5000, periodStart: monthStart() },
    });
    const before = fake.requests.length;
    const err = (await other.client.chat.completions.create({ model: "smart", messages: prompt }).catch((e: unknown) => e)) as InstanceType<
      typeof OpenAI.APIError
    >;
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect(err).toMatchObject({ status: 429, code: "insufficient_quota", type: "insufficient_quota" });
    expect(err.headers?.get("x-should-retry")).toBe("false");
    expect(err.message).toMatch(/workspace budget/);
    expect(fake.requests.length).toBe(before);
    expect(await db.budget.findUniqueOrThrow({ where: { id: budget.id } })).toMatchObject({ spentMicros: 5000, reservedMicros: 0 });
    const calls = await db.modelCall.findMany({ where: { apiKeyId: other.apiKeyId } });
    expect(calls.map((c) => [c.status, c.costMicros])).toEqual([["failed", 0]]);
  });

  it("answers 503 when the only provider fails", async () => {
    const other = await workspaceWithKey("Cloud down");
    fake.script([{ kind: "error", status: 500 }]);
    const err = await other.client.chat.completions.create({ model: "smart", messages: prompt }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    expect(err).toMatchObject({ status: 503, code: "no_provider_available", type: "server_error" });
    expect((err as Error).message).toMatch(/openai: cloud 500/);
    expect((err as InstanceType<typeof OpenAI.APIError>).headers?.get("x-should-retry")).toBeNull();
  });

  it("answers 503 without inviting retries when nothing is online or configured to serve the model", async () => {
    const other = await workspaceWithKey("Local only");
    await db.workspace.update({
      where: { id: other.workspaceId },
      data: { llmSettings: { catalog: { private: { local: ["*"], cloud: null } } } },
    });
    const err = (await other.client.chat.completions
      .create({ model: "private", messages: prompt })
      .catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    expect(err).toMatchObject({ status: 503, code: "no_provider_available" });
    expect(err.message).toMatch(/runner: no runner online/);
    expect(err.headers?.get("x-should-retry")).toBe("false");
  });

  it("answers 400 invalid_json_schema when the runner cannot follow a schema, without failing over to the cloud", async () => {
    const before = fake.requests.length;
    // Structurally a JSON schema (the endpoint's check passes), but the runner's grammar refuses the type inside `contains`.
    const err = await client.chat.completions
      .create({
        model: "tiny",
        messages: prompt,
        response_format: { type: "json_schema", json_schema: { name: "list", schema: { type: "array", contains: { type: "strnig" } } } },
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err).toMatchObject({ status: 400, code: "invalid_json_schema", param: "response_format.json_schema.schema" });
    expect((err as Error).message).toMatch(/cannot follow the requested JSON schema/);
    expect(fake.requests.length).toBe(before);
  });

  it("answers 402 while the workspace is read-only after a failed payment; listing models still works", async () => {
    const other = await workspaceWithKey("Unpaid");
    await db.billingAccount.create({ data: { workspaceId: other.workspaceId, status: "unpaid" } });
    const before = fake.requests.length;
    const err = (await other.client.chat.completions.create({ model: "smart", messages: prompt }).catch((e: unknown) => e)) as InstanceType<
      typeof OpenAI.APIError
    >;
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(err).toMatchObject({ status: 402, type: "insufficient_quota", code: "payment_required" });
    expect(err.message).toMatch(/read-only: A payment failed/);
    expect(err.headers?.get("x-should-retry")).toBe("false");
    expect(fake.requests.length).toBe(before);
    expect(await db.modelCall.count({ where: { workspaceId: other.workspaceId } })).toBe(0);
    const ids: string[] = [];
    for await (const m of other.client.models.list()) ids.push(m.id);
    expect(ids).toContain("fast");
  });

  it("uses the workspace's default policy, or the project named by X-Jace-Project", async () => {
    const other = await workspaceWithKey("Policies");
    await db.workspace.update({ where: { id: other.workspaceId }, data: { llmSettings: { routingPolicy: "local-only" } } });
    const project = await db.project.create({
      data: { workspaceId: other.workspaceId, name: "cloud ok", settings: { routingPolicy: "cloud-allowed" } },
    });
    const before = fake.requests.length;
    const local = (await other.client.chat.completions.create({ model: "smart", messages: prompt }).catch((e: unknown) => e)) as Error;
    expect(local.message).toMatch(/this workspace is local-only/);
    expect(fake.requests.length).toBe(before);

    const { data, response } = await other.client.chat.completions
      .create({ model: "smart", messages: prompt }, { headers: { "X-Jace-Project": "cloud ok" } })
      .withResponse();
    expect(data.model).toBe("gpt-4o");
    expect(response.headers.get("x-jace-provider")).toBe("openai");
    expect(await newestCall(other.apiKeyId)).toMatchObject({ status: "succeeded", projectId: project.id });

    const unknown = await other.client.chat.completions
      .create({ model: "smart", messages: prompt }, { headers: { "X-Jace-Project": "nope" } })
      .catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(OpenAI.BadRequestError);
    expect(unknown).toMatchObject({ param: "X-Jace-Project", code: "project_not_found" });
  });

  it("records one ModelCall per successful call, attributed to the API key", async () => {
    const calls = await db.modelCall.findMany({ where: { workspaceId } });
    expect(calls.filter((c) => c.status === "succeeded")).toHaveLength(succeeded);
    expect(calls.every((c) => c.apiKeyId !== null)).toBe(true);
  });
});

describe("GET /api/v1/models", () => {
  it("lists the catalog, the runner's models and, with a key configured, the cloud models", async () => {
    const ids: string[] = [];
    for await (const m of client.models.list()) ids.push(m.id);
    expect(ids.slice(0, 4)).toEqual(["fast", "smart", "coder", "tiny"]);
    expect(ids).toEqual(expect.arrayContaining(["gpt-4o", "gpt-4o-mini"]));
    expect(new Set(ids).size).toBe(ids.length);
  });
});
