import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import type { RunDetail } from "./index";
import { deferred, startHarness, stepGate, type Harness } from "./test-harness";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe("embedded executor: concurrency, idempotency and crash safety", () => {
  it("serializes runs of one concurrency key and runs different keys in parallel", async () => {
    const gate = stepGate();
    h = await startHarness((i) => [
      i.createFunction(
        { id: "per-workspace", concurrency: { limit: 1, key: "event.data.workspace" }, triggers: [{ event: "task/created" }] },
        async ({ step, event }) => {
          await step.run("work", () => gate.enter((event.data as { workspace: string }).workspace));
        },
      ),
    ]);
    await h.executor.send(["a", "a", "a", "b", "b", "b"].map((workspace) => ({ name: "task/created", data: { workspace } })));
    await gate.run(6, 2);
    await h.waitForRun((rs) => rs.length === 6 && rs.every((r) => r.status === "completed"));
    expect(gate.maxPerKey).toEqual({ a: 1, b: 1 });
    expect(gate.maxTotal).toBe(2);
  });

  it("is fair across concurrency keys: a key with a long queue does not starve another", async () => {
    const finished: string[] = [];
    h = await startHarness(
      (i) => [
        i.createFunction(
          { id: "fair", concurrency: { limit: 1, key: "event.data.ws" }, triggers: [{ event: "demo/fair" }] },
          async ({ step, event }) => {
            const ws = (event.data as { ws: string }).ws;
            await step.run("work", () => new Promise((r) => setTimeout(r, 10)));
            finished.push(ws);
          },
        ),
      ],
      { executor: { concurrency: 2 } },
    );
    // 60 runs of the busy key, then one of a quiet key: the claim window (4 x capacity) is far
    // smaller than the busy queue.
    await h.executor.send(Array.from({ length: 60 }, () => ({ name: "demo/fair", data: { ws: "busy" } })));
    await h.executor.send({ name: "demo/fair", data: { ws: "quiet" } });
    // Only the quiet run's end matters: the busy key's 60 runs go one at a time behind it (slow on a loaded machine).
    await h.waitForRun((rs) => rs.some((r) => r.event.data.ws === "quiet" && r.status === "completed"), 30_000);
    expect(finished).toContain("quiet");
    expect(finished.indexOf("quiet")).toBeLessThan(10);
  });

  it("gives a key's slot to the oldest run's next step, so a run under way finishes before a queued one starts", async () => {
    const order: string[] = [];
    h = await startHarness((i) => [
      i.createFunction(
        { id: "slot", concurrency: { limit: 1, key: "event.data.ws" }, triggers: [{ event: "demo/slot" }] },
        async ({ step, event }) => {
          const name = (event.data as { name: string }).name;
          for (const s of ["one", "two", "three"]) await step.run(s, () => void order.push(`${name}:${s}`));
        },
      ),
    ]);
    await h.executor.send(["a", "b"].map((name) => ({ name: "demo/slot", data: { ws: "w", name } })));
    await h.waitForRun((rs) => rs.length === 2 && rs.every((r) => r.status === "completed"));
    // The two runs start in one send, in either order; the one that started first runs to the end.
    const first = order[0]!.split(":")[0]!;
    const second = first === "a" ? "b" : "a";
    expect(order).toEqual([`${first}:one`, `${first}:two`, `${first}:three`, `${second}:one`, `${second}:two`, `${second}:three`]);
  });

  it("lets an older run's queued step take the slot from a younger run between its steps", async () => {
    const order: string[] = [];
    const release = deferred();
    h = await startHarness((i) => [
      i.createFunction(
        { id: "older", concurrency: { limit: 1, key: "event.data.ws" }, triggers: [{ event: "demo/older" }] },
        async ({ step, event }) => {
          const name = (event.data as { name: string }).name;
          // The old run waits (holding no slot) while the young one starts; then its step is queued.
          if (name === "old") await step.waitForEvent("go", { event: "demo/go", timeout: "1m" });
          for (const s of ["one", "two", "three"]) {
            await step.run(s, async () => {
              order.push(`${name}:${s}`);
              if (name === "young" && s === "one") await release.promise;
            });
          }
        },
      ),
    ]);
    const old = (rs: RunDetail[]) => rs.find((r) => r.event.data.name === "old");
    await h.executor.send({ name: "demo/older", data: { ws: "w", name: "old" } });
    await h.waitForRun((rs) => old(rs)?.waits.length === 1);
    await h.executor.send({ name: "demo/older", data: { ws: "w", name: "young" } });
    while (!order.includes("young:one")) await new Promise((r) => setTimeout(r, 10));
    // The old run's next call is queued, held back by the slot the young run's step holds.
    await h.executor.send({ name: "demo/go", data: {} });
    await h.waitForRun((rs) => old(rs)?.waits.length === 0 && old(rs)!.pending.some((p) => p.kind === "call"));
    release.resolve();
    await h.waitForRun((rs) => rs.length === 2 && rs.every((r) => r.status === "completed"));
    expect(order).toEqual(["young:one", "old:one", "old:two", "old:three", "young:two", "young:three"]);
  });

  it("never claims a job it is still running again, even once its lease has run out", async () => {
    const release = deferred();
    let entered = 0;
    h = await startHarness((i) => [
      i.createFunction({ id: "long", triggers: [{ event: "demo/long" }] }, async ({ step }) => {
        await step.run("slow", async () => {
          entered++;
          await release.promise;
        });
      }),
    ]);
    await h.executor.send({ name: "demo/long", data: {} });
    while (entered === 0) await new Promise((r) => setTimeout(r, 20));
    // The lease runs out while the step is still in flight (a stalled renewal, a clock that jumped).
    const pool = new pg.Pool({ connectionString: h.databaseUrl, max: 1 });
    for (let i = 0; i < 10; i++) {
      await pool.query("UPDATE inngest_executor.jobs SET lease_until = 0 WHERE lease_until IS NOT NULL");
      await new Promise((r) => setTimeout(r, 30)); // a scheduler tick or more
    }
    await pool.end();
    expect(entered).toBe(1);
    release.resolve();
    await h.waitForRun((rs) => rs.length === 1 && rs[0]!.status === "completed");
    expect(entered).toBe(1);
  });

  it("starts one run for a repeated idempotency key", async () => {
    let runs = 0;
    h = await startHarness((i) => [
      i.createFunction({ id: "once", idempotency: "event.data.deliveryId", triggers: [{ event: "slack/command" }] }, async () => ++runs),
    ]);
    await h.executor.send([
      { name: "slack/command", data: { deliveryId: "d1" } },
      { name: "slack/command", data: { deliveryId: "d1" } },
      { name: "slack/command", data: { deliveryId: "d2" } },
    ]);
    const all = await h.waitForRun((rs) => rs.length === 2 && rs.every((r) => r.status === "completed"));
    expect(all.map((r) => r.event.data.deliveryId).sort()).toEqual(["d1", "d2"]);
    await new Promise((r) => setTimeout(r, 100));
    expect(runs).toBe(2);
  });

  it("finishes a run exactly once after the executor dies mid-step and another instance takes over", async () => {
    const counts = { a: 0, b: 0, done: 0 };
    const firstB = deferred();
    const release = deferred();
    h = await startHarness((i) => [
      i.createFunction({ id: "survivor", triggers: [{ event: "demo/crash" }] }, async ({ step }) => {
        await step.run("a", () => ++counts.a);
        await step.run("b", async () => {
          if (++counts.b === 1) {
            firstB.resolve();
            await release.promise; // the first instance "dies" while this step is in flight
          }
          return counts.b;
        });
        await step.run("done", () => ++counts.done);
        return counts;
      }),
    ]);
    await h.executor.send({ name: "demo/crash", data: {} });
    await firstB.promise;
    const dead = h.executor;
    const runId = (await dead.listRuns())[0]!.id;
    await dead.stop(); // abandons the in-flight call; its lease stays in the database

    const second = h.newExecutor({ syncOnStart: false });
    h.executor = second;
    await second.start();
    await new Promise((r) => setTimeout(r, 100));
    expect(counts.b).toBe(1); // the lease still belongs to the dead instance
    h.clock.advance(30_001); // lease expires
    const [run] = await h.waitForRun((rs) => rs[0]?.status === "completed");
    release.resolve();
    await new Promise((r) => setTimeout(r, 100));
    expect(run!.id).toBe(runId);
    expect(counts).toEqual({ a: 1, b: 2, done: 1 });
    expect(await second.listRuns()).toHaveLength(1);
  });

  it("shares work between two instances on one database without running a step twice", async () => {
    const seen = new Map<string, number>();
    h = await startHarness((i) => [
      i.createFunction({ id: "shared", triggers: [{ event: "demo/shared" }] }, async ({ step, event }) => {
        for (const s of ["s1", "s2", "s3"]) {
          await step.run(s, () => {
            const key = `${String((event.data as { n: number }).n)}:${s}`;
            seen.set(key, (seen.get(key) ?? 0) + 1);
          });
        }
      }),
    ]);
    const other = h.newExecutor({ syncOnStart: false });
    await other.start();
    await h.executor.send(Array.from({ length: 20 }, (_, n) => ({ name: "demo/shared", data: { n } })));
    await h.waitForRun((rs) => rs.length === 20 && rs.every((r) => r.status === "completed"), 20_000);
    expect(seen.size).toBe(60);
    expect([...seen.values()].every((v) => v === 1)).toBe(true);
  });
});
