import { afterEach, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "./test-harness";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const settle = () => new Promise((r) => setTimeout(r, 150));

describe("embedded executor: sleeps, waits, cancellation and cron on the test clock", () => {
  it("sleeps (duration in the op's name) and sleeps until a date, only when the clock gets there", async () => {
    h = await startHarness((i) => [
      i.createFunction({ id: "sleepy", triggers: [{ event: "demo/sleep" }] }, async ({ step }) => {
        await step.sleep("nap", "1h");
        await step.sleepUntil("alarm", new Date("2030-01-02T00:00:00Z"));
        return "awake";
      }),
    ]);
    await h.executor.send({ name: "demo/sleep", data: {} });
    await h.waitForRun((rs) => rs[0]?.steps.some((s) => s.name === "nap" && s.status === "sleeping") ?? false);
    h.clock.advance(59 * 60_000);
    await settle();
    expect((await h.executor.listRuns())[0]!.status).toBe("running");
    h.clock.advance(60_000);
    await h.waitForRun((rs) => rs[0]?.steps.some((s) => s.name === "alarm" && s.status === "sleeping") ?? false);
    h.clock.set(Date.parse("2030-01-02T00:00:00Z"));
    const [run] = await h.waitForRun((rs) => rs[0]?.status === "completed");
    expect(run!.output).toBe("awake");
  });

  it("resumes waitForEvent on a `match` (sent as CEL) and an `if` expression, ignoring other events", async () => {
    h = await startHarness((i) => [
      i.createFunction({ id: "approval", triggers: [{ event: "task/created" }] }, async ({ step }) => {
        const approved = await step.waitForEvent("approved", { event: "task/approved", timeout: "1d", match: "data.taskId" });
        const big = await step.waitForEvent("big", { event: "task/scored", timeout: "1d", if: "async.data.score > 10" });
        return { by: approved?.data.by, score: big?.data.score };
      }),
    ]);
    await h.executor.send({ name: "task/created", data: { taskId: "t1" } });
    await h.waitForRun((rs) => rs[0]?.steps.some((s) => s.name === "approved" && s.status === "waiting") ?? false);
    await h.executor.send({ name: "task/approved", data: { taskId: "other", by: "mallory" } });
    await settle();
    await h.executor.send({ name: "task/approved", data: { taskId: "t1", by: "alice" } });
    await h.waitForRun((rs) => rs[0]?.steps.some((s) => s.name === "big" && s.status === "waiting") ?? false);
    await h.executor.send({ name: "task/scored", data: { score: 3 } });
    await settle();
    await h.executor.send({ name: "task/scored", data: { score: 42 } });
    const [run] = await h.waitForRun((rs) => rs[0]?.status === "completed");
    expect(run!.output).toEqual({ by: "alice", score: 42 });
  });

  it("resolves waitForEvent to null when its timeout passes", async () => {
    h = await startHarness((i) => [
      i.createFunction({ id: "timeout", triggers: [{ event: "demo/wait" }] }, async ({ step }) => {
        const e = await step.waitForEvent("never", { event: "demo/never", timeout: "10m" });
        return { got: e };
      }),
    ]);
    await h.executor.send({ name: "demo/wait", data: {} });
    await h.waitForRun((rs) => rs[0]?.steps.some((s) => s.status === "waiting") ?? false);
    h.clock.advance(10 * 60_000);
    const [run] = await h.waitForRun((rs) => rs[0]?.status === "completed");
    expect(run!.output).toEqual({ got: null });
  });

  it("cancels a sleeping run when its cancelOn event matches", async () => {
    let finished = false;
    h = await startHarness((i) => [
      i.createFunction(
        { id: "cancellable", triggers: [{ event: "task/created" }], cancelOn: [{ event: "task/cancel.requested", match: "data.taskId" }] },
        async ({ step }) => {
          await step.sleep("long", "1d");
          await step.run("finish", () => (finished = true));
        },
      ),
    ]);
    await h.executor.send([
      { name: "task/created", data: { taskId: "a" } },
      { name: "task/created", data: { taskId: "b" } },
    ]);
    await h.waitForRun((rs) => rs.length === 2 && rs.every((r) => r.steps.some((s) => s.status === "sleeping")));
    await h.executor.send({ name: "task/cancel.requested", data: { taskId: "a" } });
    await h.waitForRun((rs) => rs.some((r) => r.status === "cancelled"));
    h.clock.advance(86_400_000);
    const runs = await h.waitForRun((rs) => rs.some((r) => r.status === "completed"));
    const byTask = Object.fromEntries(runs.map((r) => [r.event.data.taskId as string, r.status]));
    expect(byTask).toEqual({ a: "cancelled", b: "completed" });
    expect(finished).toBe(true);
  });

  it("fires a cron function at the cron time on the clock", async () => {
    let fired = 0;
    h = await startHarness((i) => [
      i.createFunction({ id: "nightly", triggers: [{ cron: "0 3 * * *" }] }, async ({ event }) => {
        fired++;
        return event.name;
      }),
    ]);
    // The test clock starts at 2030-01-01T00:00Z; 03:00 is the first fire.
    h.clock.set(Date.parse("2030-01-01T02:59:00Z"));
    await settle();
    expect(fired).toBe(0);
    h.clock.set(Date.parse("2030-01-01T03:00:00Z"));
    const [run] = await h.waitForRun((rs) => rs[0]?.status === "completed");
    expect(run!.output).toBe("inngest/scheduled.timer");
    expect(run!.createdAt).toBe(Date.parse("2030-01-01T03:00:00Z"));
    h.clock.set(Date.parse("2030-01-02T03:00:00Z"));
    await h.waitForRun((rs) => rs.length === 2 && rs.every((r) => r.status === "completed"));
    expect(fired).toBe(2);
  });
});
