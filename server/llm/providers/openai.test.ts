import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startOpenAIFake, type OpenAIFake } from "@/test/fakes/openai";
import { callOpenAI, CloudProviderError, type CloudCallInput } from "./openai";

const apiKey = "sk-test-provider-0123456789abcdef";
let fake: OpenAIFake;

beforeAll(async () => {
  fake = await startOpenAIFake();
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.requests.length = 0;
  fake.setDefault({ kind: "ok" });
});

const input = (over: Partial<CloudCallInput> = {}): CloudCallInput => ({
  apiKey,
  baseUrl: `${fake.url}/v1`,
  model: "gpt-4o-mini",
  messages: [
    { role: "system", content: "Be brief." },
    { role: "user", content: "what is two plus two" },
  ],
  maxTokens: 100,
  ...over,
});

async function failure(p: Promise<unknown>): Promise<CloudProviderError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CloudProviderError);
  return err as CloudProviderError;
}

const lastBody = () => fake.requests.at(-1)?.body as Record<string, unknown>;

describe("callOpenAI", () => {
  it("returns the completion text and the usage the API reported", async () => {
    const result = await callOpenAI(input({ temperature: 0.2, seed: 7 }));

    expect(result).toEqual({
      text: "Echo: what is two plus two",
      finishReason: "stop",
      usage: { promptTokens: 7, completionTokens: 6 },
      model: "gpt-4o-mini",
    });
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]).toMatchObject({ method: "POST", path: "/v1/chat/completions" });
    expect(fake.requests[0]!.headers.authorization).toBe(`Bearer ${apiKey}`);
    expect(lastBody()).toMatchObject({ model: "gpt-4o-mini", max_completion_tokens: 100, temperature: 0.2, seed: 7 });
    expect(lastBody()).not.toHaveProperty("stream");
  });

  it("reports length when the completion hits maxTokens", async () => {
    const result = await callOpenAI(input({ maxTokens: 3 }));
    expect(result.finishReason).toBe("length");
    expect(result.text).toBe("Echo: what is");
    expect(result.usage.completionTokens).toBe(3);
  });

  it("streams tokens in order through onToken and reads the final usage chunk", async () => {
    fake.script([{ kind: "ok", text: "one two three four", promptTokens: 11, completionTokens: 4 }]);
    const tokens: string[] = [];

    const result = await callOpenAI(input({ onToken: (t) => tokens.push(t) }));

    expect(tokens).toEqual(["one ", "two ", "three ", "four"]);
    expect(result).toEqual({
      text: "one two three four",
      finishReason: "stop",
      usage: { promptTokens: 11, completionTokens: 4 },
      model: "gpt-4o-mini",
    });
    expect(lastBody()).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  it("asks for structured output with the JSON schema and returns parseable JSON", async () => {
    const schema = { type: "object", properties: { answer: { type: "string" }, confidence: { type: "number" } }, required: ["answer"] };

    const result = await callOpenAI(input({ jsonSchema: schema }));

    expect(lastBody().response_format).toEqual({ type: "json_schema", json_schema: { name: "output", schema, strict: false } });
    const parsed = JSON.parse(result.text) as Record<string, unknown>;
    expect(typeof parsed.answer).toBe("string");
    expect(typeof parsed.confidence).toBe("number");
  });

  it("maps a 429 with Retry-After to a retryable error with the wait", async () => {
    fake.script([{ kind: "error", status: 429, retryAfterSeconds: 20 }]);

    const err = await failure(callOpenAI(input()));

    expect(err).toMatchObject({ status: 429, retryAfterMs: 20_000, retryable: true });
    expect(err.reason).toBe("cloud 429 rate_limit_exceeded (retry after 20 s)");
    expect(fake.requests).toHaveLength(1); // no SDK retries
  });

  it("does not retry a 429 for an exhausted quota", async () => {
    fake.script([{ kind: "error", status: 429, code: "insufficient_quota", message: "You exceeded your current quota." }]);
    const err = await failure(callOpenAI(input()));
    expect(err).toMatchObject({ status: 429, retryAfterMs: null, retryable: false });
  });

  it.each([500, 503] as const)("maps a %i to a retryable error", async (status) => {
    fake.script([{ kind: "error", status }]);
    const err = await failure(callOpenAI(input()));
    expect(err).toMatchObject({ status, retryable: true });
    expect(err.reason).toContain(`cloud ${status}`);
  });

  it("maps a 401 to a non-retryable error that never repeats the key", async () => {
    // A proxy in front of the API may echo the key; the error must not carry it on.
    fake.script([{ kind: "error", status: 401, message: `Incorrect API key provided: ${apiKey}.` }]);

    const err = await failure(callOpenAI(input()));

    expect(err).toMatchObject({ status: 401, retryable: false, reason: "cloud 401 invalid_api_key" });
    expect(err.message).toContain("Incorrect API key provided");
    for (const text of [err.message, err.reason, String(err), err.stack ?? "", JSON.stringify(err)]) expect(text).not.toContain(apiKey);
    expect(fake.requests[0]!.headers.authorization).toBe(`Bearer ${apiKey}`);
  });

  it("turns a hung request into a retryable timeout", async () => {
    fake.script([{ kind: "hang" }]);
    const err = await failure(callOpenAI(input({ timeoutMs: 150 })));
    expect(err).toMatchObject({ status: null, retryable: true, reason: "cloud timeout after 0.2 s" });
  });

  it("times out a stream that stalls after the headers", async () => {
    fake.script([{ kind: "ok", text: "a b c d e f", chunkDelayMs: 100 }]);
    const tokens: string[] = [];
    const err = await failure(callOpenAI(input({ timeoutMs: 250, onToken: (t) => tokens.push(t) })));
    expect(err).toMatchObject({ retryable: true, reason: "cloud timeout after 0.3 s" });
    expect(tokens.length).toBeGreaterThan(0);
  });

  it("returns cancelled when the caller aborts a pending request", async () => {
    fake.script([{ kind: "hang" }]);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);

    const result = await callOpenAI(input({ signal: controller.signal }));

    expect(result.finishReason).toBe("cancelled");
    expect(result.text).toBe("");
  });

  it("returns the partial text as cancelled when the caller aborts mid-stream", async () => {
    fake.script([{ kind: "ok", text: "a b c d e f", chunkDelayMs: 30 }]);
    const controller = new AbortController();
    const tokens: string[] = [];

    const result = await callOpenAI(
      input({
        signal: controller.signal,
        onToken: (t) => {
          tokens.push(t);
          if (tokens.length === 2) controller.abort();
        },
      }),
    );

    expect(result.finishReason).toBe("cancelled");
    expect(result.text).toBe("a b ");
    expect(result.usage.completionTokens).toBeGreaterThan(0);
  });

  it("does not call the API when the signal is already aborted", async () => {
    const result = await callOpenAI(input({ signal: AbortSignal.abort() }));
    expect(result).toMatchObject({ finishReason: "cancelled", usage: { promptTokens: 0, completionTokens: 0 } });
    expect(fake.requests).toHaveLength(0);
  });

  it("maps a refused connection to a retryable error", async () => {
    const gone = await startOpenAIFake();
    const baseUrl = `${gone.url}/v1`;
    await gone.close();
    const err = await failure(callOpenAI(input({ baseUrl })));
    expect(err).toMatchObject({ status: null, retryable: true, reason: "cloud connection failed" });
  });

  it("lets an exception thrown by onToken through unchanged", async () => {
    const boom = new Error("consumer failed");
    await expect(
      callOpenAI(
        input({
          onToken: () => {
            throw boom;
          },
        }),
      ),
    ).rejects.toBe(boom);
  });
});

describe("the OpenAI fake", () => {
  it("rejects a request without a bearer sk- key", async () => {
    const err = await failure(callOpenAI(input({ apiKey: "not-a-key" })));
    expect(err).toMatchObject({ status: 401, retryable: false });
  });
});
