import { afterEach, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "./test-harness";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe("embedded executor: runs, steps and the event API (inngest@4.24.0)", () => {
  it("syncs in-band and lists the app's functions and its onFailure handler", async () => {
    h = await startHarness((i) => [
      i.createFunction({ id: "hello", triggers: [{ event: "demo/hello" }], onFailure: async () => undefined }, async () => "hi"),
    ]);
    const fns = await h.executor.sync();
    expect(fns.map((f) => f.id).sort()).toEqual([`${h.inngest.id}-hello`, `${h.inngest.id}-hello-failure`]);
  });

  it("memoizes steps: each step's side effect runs once across re-entries", async () => {
    const calls: Record<string, number> = { a: 0, b: 0, c: 0 };
    h = await startHarness((i) => [
      i.createFunction({ id: "memo", triggers: [{ event: "demo/memo" }] }, async ({ step, event }) => {
        const a = await step.run("a", () => ++calls.a! && (event.data as { n: number }).n);
        const b = await step.run("b", () => ++calls.b! && a + 1);
        const c = await step.run("c", () => ++calls.c! && b * 10);
        return { a, b, c };
      }),
    ]);
    await h.executor.send({ name: "demo/memo", data: { n: 4 } });
    const [run] = await h.waitForRun((rs) => rs[0]?.status === "completed");
    expect(run!.output).toEqual({ a: 4, b: 5, c: 50 });
    expect(calls).toEqual({ a: 1, b: 1, c: 1 });
    expect(run!.steps.map((s) => [s.name, s.status])).toEqual([
      ["a", "completed"],
      ["b", "completed"],
      ["c", "completed"],
    ]);
  });

  it("runs parallel steps reported together in one 206 response", async () => {
    const active = { now: 0, max: 0 };
    h = await startHarness((i) => [
      i.createFunction({ id: "par", triggers: [{ event: "demo/par" }] }, async ({ step }) => {
        const work = (v: number) => async () => {
          active.max = Math.max(active.max, ++active.now);
          await new Promise((r) => setTimeout(r, 50));
          active.now--;
          return v;
        };
        const values = await Promise.all([step.run("p1", work(1)), step.run("p2", work(2)), step.run("p3", work(3))]);
        const after = await step.run("after", () => values.reduce((x, y) => x + y, 0));
        return after;
      }),
    ]);
    await h.executor.send({ name: "demo/par", data: {} });
    const [run] = await h.waitForRun((rs) => rs[0]?.status === "completed");
    expect(run!.output).toBe(6);
    expect(active.max).toBeGreaterThan(1);
    expect(run!.steps.filter((s) => s.status === "completed")).toHaveLength(4);
  });

  it("runs steps without planning them first again once a parallel group is over", async () => {
    const ran: string[] = [];
    let requests = 0;
    h = await startHarness((i) => [
      i.createFunction({ id: "par-then-seq", triggers: [{ event: "demo/par-seq" }] }, async ({ step }) => {
        requests++;
        // As the task pipeline waits for a runner job: the wait registered beside the step that starts it.
        await Promise.all([step.waitForEvent("go", { event: "demo/go", timeout: "1h" }), step.run("x", () => void ran.push("x"))]);
        for (const s of ["a", "b", "c"]) await step.run(s, () => void ran.push(s));
      }),
    ]);
    await h.executor.send({ name: "demo/par-seq", data: {} });
    await h.waitForRun(([r]) => r?.waits.length === 1 && ran.includes("x") && !r.pending.some((p) => p.kind === "call"));
    const before = requests;
    await h.executor.send({ name: "demo/go", data: {} });
    await h.waitForRun(([r]) => r?.status === "completed");
    expect(ran).toEqual(["x", "a", "b", "c"]);
    // One request per step and one to finish; planning each step first took seven.
    expect(requests - before).toBe(4);
  });

  it("accepts events through the event API from the SDK's inngest.send and dedupes event ids", async () => {
    let runs = 0;
    h = await startHarness((i) => [i.createFunction({ id: "ingest", triggers: [{ event: "demo/ingest" }] }, async () => ++runs)]);
    const first = await h.inngest.send({ id: "evt-1", name: "demo/ingest", data: { x: 1 } });
    await h.inngest.send({ id: "evt-1", name: "demo/ingest", data: { x: 1 } });
    expect(first.ids).toEqual(["evt-1"]);
    await h.waitForRun((rs) => rs.length === 1 && rs[0]!.status === "completed");
    await new Promise((r) => setTimeout(r, 100));
    expect(await h.executor.listRuns()).toHaveLength(1);
  });

  it("rejects events sent to the event API with the wrong event key", async () => {
    h = await startHarness((i) => [i.createFunction({ id: "k", triggers: [{ event: "demo/k" }] }, async () => 1)], {
      executor: { eventKey: "the-right-key" },
    });
    await expect(h.inngest.send({ name: "demo/k", data: {} })).rejects.toThrow();
    expect(await h.executor.listRuns()).toHaveLength(0);
  });

  it("fails the run with a clear error when the SDK rejects the executor's signature", async () => {
    h = await startHarness((i) => [i.createFunction({ id: "signed", triggers: [{ event: "demo/signed" }] }, async () => 1)]);
    const wrong = h.newExecutor({ signingKey: `signkey-test-${"00".repeat(32)}` });
    await expect(wrong.sync()).rejects.toThrow(/HTTP 401/);
    await h.executor.stop();
    const bad = h.newExecutor({ signingKey: `signkey-test-${"00".repeat(32)}`, syncOnStart: false });
    h.executor = bad;
    // The functions were synced by the good executor; only calls are signed with the wrong key now.
    await bad.start();
    await bad.send({ name: "demo/signed", data: {} });
    const [run] = await h.waitForRun((rs) => rs[0]?.status === "failed");
    expect(run!.error?.message).toMatch(/rejected the executor's request signature \(HTTP 401\)/);
  });

  it("fails loudly on an opcode it does not support", async () => {
    h = await startHarness((i) => [
      i.createFunction({ id: "fetchy", triggers: [{ event: "demo/fetchy" }] }, async ({ step }) => {
        await step.fetch("http://127.0.0.1:9/nothing");
        return "unreachable";
      }),
    ]);
    await h.executor.send({ name: "demo/fetchy", data: {} });
    const [run] = await h.waitForRun((rs) => rs[0]?.status === "failed");
    expect(run!.error?.message).toMatch(/Unknown opcode "Gateway"/);
  });
});
