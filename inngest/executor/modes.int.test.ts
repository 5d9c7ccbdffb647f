import { RetryAfterError } from "inngest";
import { afterEach, describe, expect, it } from "vitest";
import { startHarness, stepGate, type Harness } from "./test-harness";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const settle = () => new Promise((r) => setTimeout(r, 200));

describe.each([
  { mode: "classic", checkpointing: false },
  { mode: "checkpointing", checkpointing: true },
])("embedded executor features ($mode)", ({ checkpointing }) => {
  it("holds a global limit and a per-key limit together, as the task pipeline configures them", async () => {
    const gate = stepGate();
    h = await startHarness(
      (i) => [
        i.createFunction(
          {
            id: "limited",
            concurrency: [{ limit: 2 }, { key: "event.data.ws", limit: 1 }],
            triggers: [{ event: "demo/limited" }],
          },
          async ({ step, event }) => {
            const ws = (event.data as { ws: string }).ws;
            for (const name of ["one", "two"]) await step.run(name, () => gate.enter(ws));
          },
        ),
      ],
      { executor: { checkpointing } },
    );
    await h.executor.send(["a", "a", "a", "b", "b", "b", "c", "c", "c"].map((ws) => ({ name: "demo/limited", data: { ws } })));
    await gate.run(18, 2);
    await h.waitForRun((rs) => rs.length === 9 && rs.every((r) => r.status === "completed"), 30_000);
    expect(gate.maxPerKey).toEqual({ a: 1, b: 1, c: 1 });
    expect(gate.maxTotal).toBe(2);
  });

  it("fails an invoke that outlives its timeout with InngestInvokeTimeoutError", async () => {
    h = await startHarness(
      (i) => {
        const slow = i.createFunction({ id: "slow", triggers: [{ event: "demo/unused" }] }, async ({ step }) => {
          await step.sleep("forever", "1d");
          return "late";
        });
        const parent = i.createFunction({ id: "impatient", triggers: [{ event: "demo/impatient" }] }, async ({ step }) => {
          try {
            return await step.invoke("call-slow", { function: slow, data: {}, timeout: "1m" });
          } catch (err) {
            return { failed: (err as Error).name };
          }
        });
        return [slow, parent];
      },
      { executor: { checkpointing } },
    );
    await h.executor.send({ name: "demo/impatient", data: {} });
    await h.waitForRun((rs) => rs.some((r) => r.functionId.endsWith("-slow") && r.steps.some((s) => s.status === "sleeping")));
    h.clock.advance(60_000);
    const runs = await h.waitForRun((rs) => rs.some((r) => r.functionId.endsWith("-impatient") && r.status === "completed"));
    const parent = runs.find((r) => r.functionId.endsWith("-impatient"))!;
    expect(parent.output).toEqual({ failed: expect.stringMatching(/Error$/) });
    expect(JSON.stringify(parent.steps.find((s) => s.status === "failed")?.error)).toMatch(/InngestInvokeTimeoutError/);
  });

  it("resumes waitForEvent on a match and on its timeout", async () => {
    h = await startHarness(
      (i) => [
        i.createFunction({ id: "waiter", triggers: [{ event: "demo/waiter" }] }, async ({ step }) => {
          const before = await step.run("before", () => "ready");
          const got = await step.waitForEvent("reply", { event: "demo/reply", timeout: "10m", match: "data.id" });
          const none = await step.waitForEvent("never", { event: "demo/never", timeout: "10m" });
          return { before, got: got?.data.text ?? null, none };
        }),
      ],
      { executor: { checkpointing } },
    );
    await h.executor.send({ name: "demo/waiter", data: { id: "w1" } });
    await h.waitForRun((rs) => rs[0]?.steps.some((s) => s.name === "reply" && s.status === "waiting") ?? false);
    await h.executor.send({ name: "demo/reply", data: { id: "other", text: "no" } });
    await settle();
    await h.executor.send({ name: "demo/reply", data: { id: "w1", text: "yes" } });
    await h.waitForRun((rs) => rs[0]?.steps.some((s) => s.name === "never" && s.status === "waiting") ?? false);
    h.clock.advance(10 * 60_000);
    const [run] = await h.waitForRun((rs) => rs[0]?.status === "completed");
    expect(run!.output).toEqual({ before: "ready", got: "yes", none: null });
  });

  it("retries a step with backoff and honours Retry-After, then memoizes it", async () => {
    const attempts = { flaky: 0, limited: 0, after: 0 };
    h = await startHarness(
      (i) => [
        i.createFunction({ id: "retrier", retries: 3, triggers: [{ event: "demo/retrier" }] }, async ({ step }) => {
          const a = await step.run("flaky", () => {
            if (++attempts.flaky < 2) throw new Error("boom");
            return "a";
          });
          const b = await step.run("limited", () => {
            if (++attempts.limited < 2) throw new RetryAfterError("slow down", "30s");
            return "b";
          });
          await step.run("after", () => ++attempts.after);
          return a + b;
        }),
      ],
      { executor: { checkpointing } },
    );
    await h.executor.send({ name: "demo/retrier", data: {} });
    await h.waitForRun((rs) => rs[0]?.steps.some((s) => s.name === "flaky" && s.status === "retrying") ?? false);
    h.clock.advance(1_000); // the first backoff is at most 1 s
    await h.waitForRun((rs) => rs[0]?.steps.some((s) => s.name === "limited" && s.status === "retrying") ?? false);
    h.clock.advance(20_000); // beyond any backoff for this attempt, before Retry-After
    await settle();
    expect(attempts.limited).toBe(1);
    h.clock.advance(10_000);
    const [run] = await h.waitForRun((rs) => rs[0]?.status === "completed");
    expect(run!.output).toBe("ab");
    expect(attempts).toEqual({ flaky: 2, limited: 2, after: 1 });
  });
});
