import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import type { ChatCompletionChunk } from "openai/resources/chat/completions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeTinyGguf } from "@/gpu-runner/scripts/make-tiny-gguf";
import { startOpenAIFake, type OpenAIFake } from "@/test/fakes/openai";
import { overrideEnv } from "@/server/env";
import { createApiKey } from "@/server/features/api-keys/api-keys";
import { stopBus } from "@/server/runners/bus";
import { createEnrollmentToken } from "@/server/runners/enrollment";
import { connectTestRunner, enrollTestRunner, testCapabilities, type TestConnection } from "@/server/runners/testing/protocol-client";
import { startRunnerAppServer, type RunnerAppServer } from "@/server/runners/testing/app-server";
import { runnerFleet, type RunnerFleet } from "@/server/runners/testing/real-runner";
import { testDb } from "@/server/testing/db";
import { createUser, createWorkspaceFor, type TestUser } from "@/server/testing/factories";
import { serveRoutes, type Api } from "./testing/serve-routes";

/**
 * `stop` on /api/v1/chat/completions through the official `openai` SDK: on a real `jace-runner`
 * process with the tiny model (node-llama-cpp stop triggers) and passed through to the cloud fake.
 */

const db = testDb();

let root: string;
let fake: OpenAIFake;
let app: RunnerAppServer;
let fleet: RunnerFleet;
let api: Api;
let workspaceId: string;
let client: OpenAI;
let owner: TestUser;
const oldRunners: TestConnection[] = [];

const prompt = [{ role: "user" as const, content: "Say hello." }];
/** A seeded call the tiny model answers the same way every time (with `stop` added, up to it). */
const seeded = { model: "tiny", messages: prompt, max_tokens: 40, temperature: 0.8, seed: 7 };

/**
 * Two printable characters from the answer's second third, where they first occur, to use as a stop
 * string. The tiny model's random text is full of partial UTF-8 (shown as U+FFFD): a stop string
 * right after one could cut inside a token whose bytes llama.cpp then drops, so those are skipped.
 */
function stopFrom(text: string): { stop: string; at: number } {
  for (let at = Math.max(1, Math.floor(text.length / 3)); at < text.length - 1; at++) {
    const stop = text.slice(at, at + 2);
    if (/^[\x20-\x7e]{2}$/.test(stop) && text[at - 1] !== "\ufffd" && text.indexOf(stop) === at) return { stop, at };
  }
  throw new Error(`no usable stop string in ${JSON.stringify(text)}`);
}

async function collect(stream: AsyncIterable<ChatCompletionChunk>) {
  const chunks: ChatCompletionChunk[] = [];
  for await (const c of stream) chunks.push(c);
  const text = chunks.map((c) => c.choices[0]?.delta.content ?? "").join("");
  return { text, finish: chunks.find((c) => c.choices[0]?.finish_reason)?.choices[0]?.finish_reason };
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "jace-openai-stop-"));
  const modelsDir = join(root, "models");
  mkdirSync(modelsDir);
  await writeTinyGguf(join(modelsDir, "tiny.gguf"), { seed: 1 });
  fake = await startOpenAIFake();
  overrideEnv({ OPENAI_BASE_URL: `${fake.url}/v1`, OPENAI_API_KEY: "sk-test-jace-stop-0000000000" });
  app = await startRunnerAppServer(db, { heartbeatIntervalMs: 2000, leaseTtlMs: 4000, sweepIntervalMs: 250 });
  api = await serveRoutes();
  owner = await createUser(db, "Stop Owner");
  workspaceId = (await createWorkspaceFor(db, owner, "Stop")).id;
  const { secret } = await createApiKey(db, workspaceId, { type: "user", id: owner.id, label: owner.email }, null, "stop key");
  client = new OpenAI({ apiKey: secret, baseURL: `${api.url}/api/v1`, maxRetries: 0 });
  fleet = runnerFleet({ db, appUrl: () => app.url, workspaceId, owner, root, modelsDir });
  const runner = fleet.start(await fleet.enroll("cpu-1"));
  await fleet.waitOnline(runner);
}, 120_000);

afterAll(async () => {
  for (const conn of oldRunners) conn.ws.close();
  fleet?.killAll();
  await api?.close();
  await app?.close();
  await fake?.close();
  await stopBus();
  overrideEnv({ OPENAI_BASE_URL: "", OPENAI_API_KEY: "" });
  if (root) rmSync(root, { recursive: true, force: true });
});

describe("stop on /api/v1/chat/completions", { timeout: 60_000 }, () => {
  let full: string;
  let stop: string;

  beforeAll(async () => {
    // The answer without `stop`: where the stop string first appears is where the answer must end.
    const { text, finish } = await collect(await client.chat.completions.create({ ...seeded, stream: true }));
    expect(finish).toBe("length");
    full = text;
    stop = stopFrom(full).stop;
  }, 60_000);

  it("ends a runner's answer before the first stop string, with finish_reason stop", async () => {
    const data = await client.chat.completions.create({ ...seeded, stop });
    expect(data.choices[0]).toMatchObject({ finish_reason: "stop", message: { content: full.slice(0, full.indexOf(stop)) } });
    expect(data.usage!.completion_tokens).toBeLessThan(40);
  });

  it("never streams the stop string from a runner", async () => {
    const { text, finish } = await collect(
      await client.chat.completions.create({ ...seeded, stop: ["not in the answer", stop], stream: true }),
    );
    expect(text).toBe(full.slice(0, full.indexOf(stop)));
    expect(finish).toBe("stop");
  });

  it("passes stop through to the cloud, streaming or not", async () => {
    const data = await client.chat.completions.create({
      model: "smart",
      messages: [{ role: "user", content: "one two three" }],
      stop: [" two"],
    });
    expect(fake.requests.at(-1)?.body).toMatchObject({ model: "gpt-4o", stop: [" two"] });
    expect(data.choices[0]).toMatchObject({ finish_reason: "stop", message: { content: "Echo: one" } });

    const streamed = await collect(
      await client.chat.completions.create({
        model: "smart",
        messages: [{ role: "user", content: "one two three" }],
        stop: "three",
        stream: true,
      }),
    );
    expect(fake.requests.at(-1)?.body).toMatchObject({ stop: ["three"], stream: true });
    expect(streamed).toMatchObject({ text: "Echo: one two ", finish: "stop" });
  });

  it("answers 400 in OpenAI's shape for more than 4 stop strings, running and recording nothing", async () => {
    const [jobs, calls, cloud] = [
      await db.runnerJob.count({ where: { workspaceId } }),
      await db.modelCall.count({ where: { workspaceId } }),
      fake.requests.length,
    ];
    for (const model of ["tiny", "smart"]) {
      const err = await client.chat.completions
        .create({ model, messages: prompt, stop: ["a", "b", "c", "d", "e"] })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.BadRequestError);
      expect(err).toMatchObject({
        status: 400,
        param: "stop",
        code: "array_above_max_length",
        error: { type: "invalid_request_error", message: expect.stringContaining("maximum length 4") },
      });
    }
    const wrongType = await fetch(`${api.url}/api/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${client.apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "tiny", messages: prompt, stop: 42 }),
    });
    expect(wrongType.status).toBe(400);
    expect(await wrongType.json()).toMatchObject({ error: { param: "stop", type: "invalid_request_error" } });
    expect([
      await db.runnerJob.count({ where: { workspaceId } }),
      await db.modelCall.count({ where: { workspaceId } }),
      fake.requests.length,
    ]).toEqual([jobs, calls, cloud]);
  });

  it("holds a runner that predates `stop` to it: the answer and the stream end before the stop string", async () => {
    // A runner from before `stop`: it streams and answers everything, whatever the job spec says.
    const ws = await createWorkspaceFor(db, owner, "Old runner");
    const actor = { type: "user" as const, id: owner.id, label: owner.email };
    const { secret } = await createApiKey(db, ws.id, actor, null, "old runner key");
    const old = new OpenAI({ apiKey: secret, baseURL: `${api.url}/api/v1`, maxRetries: 0 });
    const { token } = await createEnrollmentToken(db, ws.id, actor, null, { labels: [] });
    const identity = await enrollTestRunner(app.url, token, "old-box");
    const pieces = ["Hello", " wor", "ld.\nUs", "er: more", " text"];
    const conn = connectTestRunner(app.wsUrl, {
      identity,
      capabilities: testCapabilities({ models: [{ id: "old-tiny", sizeBytes: 1, quantization: null, contextLength: null, sha256: null }] }),
      onMessage: (m, c) => {
        if (m.type !== "job.offer") return;
        c.send({ type: "job.accept", jobId: m.jobId });
        pieces.forEach((data, seq) => c.send({ type: "job.chunk", jobId: m.jobId, seq, stream: "token", data }));
        c.send({
          type: "job.result",
          jobId: m.jobId,
          status: "succeeded",
          output: { kind: "inference", text: pieces.join(""), finishReason: "length" },
          error: null,
          usage: { promptTokens: 3, completionTokens: 5 },
        });
      },
    });
    oldRunners.push(conn);
    await conn.next("welcome");

    const request = { model: "old-tiny", messages: prompt, stop: ["\nUser:"] };
    const data = await old.chat.completions.create(request);
    expect(data.choices[0]).toMatchObject({ finish_reason: "stop", message: { content: "Hello world." } });
    const streamed = await collect(await old.chat.completions.create({ ...request, stream: true }));
    expect(streamed).toEqual({ text: "Hello world.", finish: "stop" });
  });
});
