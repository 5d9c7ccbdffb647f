import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeTinyGguf } from "../../scripts/make-tiny-gguf";
import { inferenceSpec, type InferenceOutput } from "../protocol";
import { createInferenceRunner, type InferenceRunner } from "./inference";
import type { JobContext } from "./types";

let dir: string;
let runner: InferenceRunner;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "jace-inference-test-"));
  await writeTinyGguf(join(dir, "Tiny-Chat.gguf"), { seed: 1 });
  // Without feed_forward_length llama.cpp hits a GGML_ASSERT and abort()s the whole process.
  await writeTinyGguf(join(dir, "broken.gguf"), { seed: 1, omitKeys: ["llama.feed_forward_length"] });
  // An interrupted copy: llama.cpp refuses it with an error (no crash).
  writeFileSync(join(dir, "truncated.gguf"), readFileSync(join(dir, "Tiny-Chat.gguf")).subarray(0, 300_000));
  // One thread: CI machines have two shared cores, where llama.cpp's spinning thread pool crawls.
  runner = createInferenceRunner({ modelsDir: dir, workDir: dir, threads: 1, allowUnsandboxed: false, memoryBudgetBytes: 64 * 1024 ** 2 });
});

afterAll(async () => {
  await runner.close();
  rmSync(dir, { recursive: true, force: true });
});

function harness(jobId: string) {
  const tokens: string[] = [];
  const progress: [string, number | null][] = [];
  const controller = new AbortController();
  const ctx: JobContext = {
    jobId,
    signal: controller.signal,
    emitChunk: (stream, data) => stream === "token" && tokens.push(data),
    emitProgress: (phase, fraction) => progress.push([phase, fraction]),
  };
  return { ctx, controller, tokens, progress };
}

const spec = (input: Record<string, unknown>) =>
  inferenceSpec.parse({
    kind: "inference",
    model: "tiny-chat",
    messages: [
      { role: "system", content: "Be brief." },
      { role: "user", content: "Say hello." },
    ],
    ...input,
  });
const text = (output: unknown) => (output as InferenceOutput).text;

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

describe("inference jobs", () => {
  it("generates with the chat template, streams tokens and counts them", async () => {
    const h = harness("gen-1");
    const outcome = await runner.run(spec({ maxTokens: 40, temperature: 0.8, seed: 7 }), h.ctx);
    expect(outcome.error).toBeNull();
    expect(outcome.status).toBe("succeeded");
    expect(outcome.output).toMatchObject({ kind: "inference", finishReason: "length" });
    expect(h.tokens.length).toBeGreaterThan(1);
    expect(h.tokens.join("")).toBe(text(outcome.output));
    expect(outcome.usage.completionTokens).toBe(40);
    // ChatML framing (<|im_start|>system ... <|im_start|>assistant) adds tokens beyond the two messages.
    expect(outcome.usage.promptTokens).toBeGreaterThan(15);
    expect(outcome.usage.cpuSeconds).toBeGreaterThan(0);
    expect(outcome.usage.wallSeconds).toBeGreaterThan(0);
    expect(outcome.usage.gpuSeconds).toBe(0); // no GPU on the test machines
    expect(h.progress[0]).toEqual(["loading_model", 0]);
    expect(h.progress).toContainEqual(["loading_model", 1]);
    expect(h.progress.at(-1)).toEqual(["generating", null]);
  });

  it("keeps the model loaded for the next job", async () => {
    const h = harness("gen-2");
    const outcome = await runner.run(spec({ maxTokens: 5 }), h.ctx);
    expect(outcome.status).toBe("succeeded");
    expect(h.progress.map(([phase]) => phase)).toEqual(["generating"]);
  });

  it("ends at the first `stop` string, leaving it out of the answer and the stream", async () => {
    // The same seeded run without `stop` shows where the stop strings first appear.
    const base = await runner.run(spec({ maxTokens: 40, temperature: 0.8, seed: 7 }), harness("stop-free").ctx);
    const full = text(base.output);
    const { stop, at: cut } = stopFrom(full);

    const h = harness("stop");
    const outcome = await runner.run(spec({ maxTokens: 40, temperature: 0.8, seed: 7, stop: ["never in this text", stop] }), h.ctx);
    expect(outcome.status).toBe("succeeded");
    expect(outcome.output).toEqual({ kind: "inference", text: full.slice(0, cut), finishReason: "stop" });
    expect(h.tokens.join("")).toBe(full.slice(0, cut));
    expect(outcome.usage.completionTokens).toBeLessThan(40);
  });

  it("refuses more than 4 stop strings or an empty one in the job spec", () => {
    expect(() => spec({ stop: ["a", "b", "c", "d", "e"] })).toThrow();
    expect(() => spec({ stop: [""] })).toThrow();
  });

  it("constrains the output to a JSON schema", async () => {
    const schema = {
      type: "object",
      properties: { ok: { type: "boolean" }, colour: { enum: ["red", "green"] } },
      required: ["ok", "colour"],
    };
    const outcome = await runner.run(spec({ jsonSchema: schema, maxTokens: 200 }), harness("json").ctx);
    expect(outcome.status).toBe("succeeded");
    expect(outcome.output).toMatchObject({ finishReason: "stop" });
    const parsed = JSON.parse(text(outcome.output));
    expect(typeof parsed.ok).toBe("boolean");
    expect(["red", "green"]).toContain(parsed.colour);
  });

  it("fails clearly on a JSON schema it cannot turn into a grammar", async () => {
    const outcome = await runner.run(
      spec({ jsonSchema: { type: "object", properties: { when: { type: "date" } } } }),
      harness("bad-schema").ctx,
    );
    expect(outcome.status).toBe("failed");
    expect(outcome.error).toContain("unsupported jsonSchema");
  });

  it("stops generating when the job is cancelled", async () => {
    const h = harness("cancel");
    const pending = runner.run(spec({ maxTokens: 1800 }), h.ctx);
    await expect.poll(() => h.tokens.length, { timeout: 20_000, interval: 5 }).toBeGreaterThan(0);
    h.controller.abort();
    const outcome = await pending;
    expect(outcome.status).toBe("cancelled");
    expect(outcome.output).toMatchObject({ finishReason: "cancelled" });
    expect(outcome.usage.completionTokens).toBeGreaterThan(0);
    expect(outcome.usage.completionTokens).toBeLessThan(1800);
  });

  it("fails with a clear message for a model the runner does not have", async () => {
    const outcome = await runner.run(spec({ model: "llama-70b" }), harness("unknown").ctx);
    expect(outcome.status).toBe("failed");
    expect(outcome.error).toBe('model "llama-70b" is not installed on this runner (available: broken, tiny-chat)');
  });

  it("fails a job whose model file is truncated, without disturbing the model process", async () => {
    const outcome = await runner.run(spec({ model: "truncated" }), harness("truncated").ctx);
    expect(outcome.status).toBe("failed");
    expect(outcome.error).toContain('inference failed for model "truncated": could not load the model file');
    const h = harness("after-truncated");
    expect((await runner.run(spec({ maxTokens: 3 }), h.ctx)).status).toBe("succeeded");
    expect(h.progress.map(([phase]) => phase)).toEqual(["generating"]); // same warm process
  });

  it("survives a model file that crashes llama.cpp, and the next job starts a fresh model process", async () => {
    const crashed = await runner.run(spec({ model: "broken" }), harness("crash").ctx);
    expect(crashed.status).toBe("failed");
    expect(crashed.error).toMatch(/^model process crashed: killed by SIGABRT: .*GGML_ASSERT/);

    const h = harness("after-crash");
    const outcome = await runner.run(spec({ maxTokens: 5 }), h.ctx);
    expect(outcome.status).toBe("succeeded");
    expect(h.progress[0]).toEqual(["loading_model", 0]); // loaded again in the new process
  });
});
