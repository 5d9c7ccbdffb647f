import { NonRetriableError, RetryAfterError } from "inngest";
import { afterEach, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "./test-harness";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const settle = () => new Promise((r) => setTimeout(r, 150));

describe("embedded executor: invoke, retries, failures and onFailure", () => {
  it("invokes another function and memoizes its result", async () => {
    h = await startHarness((i) => {
      const double = i.createFunction(
        { id: "double", triggers: [{ event: "demo/unused" }] },
        async ({ event }) => (event.data as { n: number }).n * 2,
      );
      const parent = i.createFunction({ id: "parent", triggers: [{ event: "demo/parent" }] }, async ({ step }) => {
        const d = await step.invoke("call-double", { function: double, data: { n: 21 } });
        return { d };
      });
      return [double, parent];
    });
    await h.executor.send({ name: "demo/parent", data: {} });
    const runs = await h.waitForRun((rs) => rs.length === 2 && rs.every((r) => r.status === "completed"));
    const parent = runs.find((r) => r.functionId.endsWith("-parent"))!;
    const child = runs.find((r) => r.functionId.endsWith("-double"))!;
    expect(parent.output).toEqual({ d: 42 });
    expect(child.parentRunId).toBe(parent.id);
    expect(child.event.name).toBe("inngest/function.invoked");
  });

  it("retries a failing step with exponential backoff on the clock, then succeeds", async () => {
    let attempts = 0;
    h = await startHarness((i) => [
      i.createFunction({ id: "flaky", retries: 3, triggers: [{ event: "demo/flaky" }] }, async ({ step }) =>
        step.run("flaky-step", () => {
          attempts++;
          if (attempts < 3) throw new Error(`boom ${attempts}`);
          return "ok";
        }),
      ),
    ]);
    await h.executor.send({ name: "demo/flaky", data: {} });
    await h.waitForRun((rs) => rs[0]?.steps[0]?.status === "retrying");
    await settle();
    expect(attempts).toBe(1); // the retry waits for its backoff
    h.clock.advance(1_000); // first backoff: at most 1 s
    // Advance only once the second failure is recorded, or its backoff would start after the jump.
    await h.waitForRun((rs) => rs[0]?.steps[0]?.status === "retrying" && rs[0].steps[0].attempt === 1);
    h.clock.advance(2_000);
    const [run] = await h.waitForRun((rs) => rs[0]?.status === "completed");
    expect(run!.output).toBe("ok");
    expect(run!.steps[0]).toMatchObject({ status: "completed", attempt: 2 });
  });

  it("honours Retry-After from RetryAfterError", async () => {
    let attempts = 0;
    h = await startHarness((i) => [
      i.createFunction({ id: "later", triggers: [{ event: "demo/later" }] }, async ({ step }) =>
        step.run("rate-limited", () => {
          if (++attempts === 1) throw new RetryAfterError("slow down", "30s");
          return attempts;
        }),
      ),
    ]);
    await h.executor.send({ name: "demo/later", data: {} });
    await h.waitForRun((rs) => rs[0]?.steps[0]?.status === "retrying");
    h.clock.advance(20_000); // beyond any default backoff for attempt 0, before Retry-After
    await settle();
    expect(attempts).toBe(1);
    h.clock.advance(10_000);
    const [run] = await h.waitForRun((rs) => rs[0]?.status === "completed");
    expect(run!.output).toBe(2);
  });

  it("fails without retrying on NonRetriableError and runs onFailure with inngest/function.failed", async () => {
    let attempts = 0;
    const failures: unknown[] = [];
    h = await startHarness((i) => [
      i.createFunction(
        {
          id: "doomed",
          retries: 5,
          triggers: [{ event: "demo/doomed" }],
          onFailure: async (ctx: unknown) => {
            const { event, error } = ctx as unknown as { event: { name: string; data: { event: { data: unknown } } }; error: Error };
            failures.push({ name: event.name, message: error.message, original: event.data.event.data });
          },
        },
        async ({ step }) => {
          await step.run("give-up", () => {
            attempts++;
            throw new NonRetriableError("bad input, do not retry");
          });
        },
      ),
    ]);
    await h.executor.send({ name: "demo/doomed", data: { id: 7 } });
    const runs = await h.waitForRun(
      (rs) => rs.some((r) => r.status === "failed") && rs.some((r) => r.functionId.endsWith("-failure") && r.status === "completed"),
    );
    const failed = runs.find((r) => r.status === "failed")!;
    expect(failed.error?.message).toBe("bad input, do not retry");
    expect(attempts).toBe(1);
    expect(failures).toEqual([{ name: "inngest/function.failed", message: "bad input, do not retry", original: { id: 7 } }]);
  });

  it("fails the run after the last retry of a step", async () => {
    let attempts = 0;
    h = await startHarness((i) => [
      i.createFunction({ id: "always", retries: 1, triggers: [{ event: "demo/always" }] }, async ({ step }) => {
        await step.run("nope", () => {
          attempts++;
          throw new Error("still broken");
        });
      }),
    ]);
    await h.executor.send({ name: "demo/always", data: {} });
    await h.waitForRun((rs) => rs[0]?.steps[0]?.status === "retrying");
    h.clock.advance(60_000);
    const [run] = await h.waitForRun((rs) => rs[0]?.status === "failed");
    expect(attempts).toBe(2);
    expect(run!.error?.message).toBe("still broken");
  });
});
