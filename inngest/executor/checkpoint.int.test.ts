import { afterEach, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "./test-harness";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe("embedded executor with SDK checkpointing (ctx.fn_id + qi_id)", () => {
  it("runs consecutive steps in one request, checkpointing each, and memoizes them", async () => {
    const calls = { a: 0, b: 0, c: 0, requests: 0 };
    h = await startHarness(
      (i) => [
        i.createFunction({ id: "fast", triggers: [{ event: "demo/fast" }] }, async ({ step }) => {
          calls.requests++;
          const a = await step.run("a", () => ++calls.a);
          const b = await step.run("b", () => ++calls.b + a);
          await step.sleep("pause", "1m");
          const c = await step.run("c", () => ++calls.c + b);
          return { a, b, c };
        }),
      ],
      { executor: { checkpointing: true } },
    );
    await h.executor.send({ name: "demo/fast", data: {} });
    await h.waitForRun((rs) => rs[0]?.steps.some((s) => s.name === "pause" && s.status === "sleeping") ?? false);
    const before = calls.requests;
    h.clock.advance(60_000);
    const [run] = await h.waitForRun((rs) => rs[0]?.status === "completed");
    expect(run!.output).toEqual({ a: 1, b: 2, c: 3 });
    expect({ a: calls.a, b: calls.b, c: calls.c }).toEqual({ a: 1, b: 1, c: 1 });
    expect(before).toBe(1); // a, b and the sleep were all found in the first request
    expect(run!.steps.map((s) => s.name)).toEqual(["a", "b", "pause", "c"]);
  });

  it("refuses checkpoints without the hashed signing key", async () => {
    h = await startHarness((i) => [i.createFunction({ id: "x", triggers: [{ event: "demo/x" }] }, async () => 1)], {
      executor: { checkpointing: true },
    });
    const res = await h.executor.handleApi(
      new Request("http://localhost/v1/checkpoint/r1/async", {
        method: "POST",
        headers: { authorization: "Bearer signkey-test-00" },
        body: "{}",
      }),
    );
    expect(res.status).toBe(401);
  });
});
