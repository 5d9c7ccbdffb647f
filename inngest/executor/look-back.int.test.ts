import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { deferred, startHarness, type Harness } from "./test-harness";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const settle = () => new Promise((r) => setTimeout(r, 200));
const waiting = (name: string) => (rs: Awaited<ReturnType<Harness["waitForRun"]>>) =>
  rs[0]?.steps.some((s) => s.name === name && s.status === "waiting") ?? false;

describe.each([
  { mode: "classic", checkpointing: false },
  { mode: "checkpointing", checkpointing: true },
])("waitForEvent look-back ($mode)", ({ checkpointing }) => {
  it("resolves a wait with the event a step sent just before it", async () => {
    h = await startHarness(
      (i) => [
        i.createFunction({ id: "ask", triggers: [{ event: "demo/ask" }] }, async ({ step, event }) => {
          await step.run("ask", async () => {
            await i.send({ name: "demo/answer", data: { k: (event.data as { k: string }).k, v: "yes" } });
            // The reply reporting the wait is applied after the event arrived, on a later clock.
            h!.clock.advance(5);
          });
          const answer = await step.waitForEvent("answer", { event: "demo/answer", timeout: "1h", match: "data.k" });
          return answer?.data.v ?? null;
        }),
      ],
      { executor: { checkpointing } },
    );
    await h.executor.send({ name: "demo/ask", data: { k: "k1" } });
    const [run] = await h.waitForRun((rs) => rs[0]?.status === "completed");
    expect(run!.output).toBe("yes");
  });

  it("resolves a wait with the event a step planned beside it sends (the pipeline's approval shape)", async () => {
    h = await startHarness(
      (i) => [
        i.createFunction({ id: "beside", triggers: [{ event: "demo/beside" }] }, async ({ step }) => {
          const [answer] = await Promise.all([
            step.waitForEvent("answer", { event: "demo/answer", timeout: "1h", if: "async.data.v == 'now'" }),
            step.run("ask", async () => {
              await i.send({ name: "demo/answer", data: { v: "now" } });
              h!.clock.advance(5);
            }),
          ]);
          return answer?.data.v ?? null;
        }),
      ],
      { executor: { checkpointing } },
    );
    await h.executor.send({ name: "demo/beside", data: {} });
    const [run] = await h.waitForRun((rs) => rs[0]?.status === "completed");
    expect(run!.output).toBe("now");
  });

  it("lets one event resolve only one of two waits of a run", async () => {
    h = await startHarness(
      (i) => [
        i.createFunction({ id: "twice", triggers: [{ event: "demo/twice" }] }, async ({ step }) => {
          const first = await step.waitForEvent("first", { event: "demo/ping", timeout: "1h" });
          const second = await step.waitForEvent("second", { event: "demo/ping", timeout: "1h" });
          return { first: first?.id ?? null, second: second?.id ?? null };
        }),
      ],
      { executor: { checkpointing } },
    );
    await h.executor.send({ name: "demo/twice", data: {} });
    await h.waitForRun(waiting("first"));
    await h.executor.send({ id: "ping-1", name: "demo/ping", data: {} });
    await h.waitForRun(waiting("second"));
    await settle();
    expect((await h.executor.listRuns())[0]!.status).toBe("running");
    await h.executor.send({ id: "ping-2", name: "demo/ping", data: {} });
    const [run] = await h.waitForRun((rs) => rs[0]?.status === "completed");
    expect(run!.output).toEqual({ first: "ping-1", second: "ping-2" });
  });

  it("ignores an event received before the call that reached the wait", async () => {
    h = await startHarness(
      (i) => [
        i.createFunction({ id: "late", triggers: [{ event: "demo/late" }] }, async ({ step }) => {
          const got = await step.waitForEvent("answer", { event: "demo/answer", timeout: "1h" });
          return got?.id ?? null;
        }),
      ],
      { executor: { checkpointing } },
    );
    await h.executor.send({ id: "old", name: "demo/answer", data: {} });
    h.clock.advance(1);
    await h.executor.send({ name: "demo/late", data: {} });
    await h.waitForRun(waiting("answer"));
    await settle();
    expect((await h.executor.listRuns())[0]!.status).toBe("running");
    await h.executor.send({ id: "new", name: "demo/answer", data: {} });
    const [run] = await h.waitForRun((rs) => rs[0]?.status === "completed");
    expect(run!.output).toBe("new");
  });

  it("makes a wait registered while an event of its name is being stored wait for that event", async () => {
    h = await startHarness(
      (i) => [
        i.createFunction({ id: "racer", triggers: [{ event: "demo/racer" }] }, async ({ step }) => {
          const got = await step.waitForEvent("answer", { event: "demo/answer", timeout: "1h" });
          return got?.id ?? null;
        }),
      ],
      { executor: { checkpointing } },
    );
    // An ingestion caught between storing its event and looking for waits: it holds the event
    // name's lock as ingestEvents does, and its row is not committed yet.
    const ingestion = new pg.Client({ connectionString: h.databaseUrl });
    await ingestion.connect();
    try {
      await ingestion.query("BEGIN");
      await ingestion.query("SELECT pg_advisory_xact_lock_shared(hashtext('inngest_executor.event'), hashtext('demo/answer'))");
      const event = { id: "in-flight", name: "demo/answer", data: {}, ts: h.clock.now() };
      await ingestion.query("INSERT INTO inngest_executor.events (id, name, payload, received_at) VALUES ($1, $2, $3, $4)", [
        event.id,
        event.name,
        JSON.stringify(event),
        h.clock.now(),
      ]);
      await h.executor.send({ name: "demo/racer", data: {} });
      // The call reaching the wait now blocks on that lock instead of missing the row.
      await expect
        .poll(async () => (await ingestion.query("SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")).rowCount, {
          timeout: 10_000,
        })
        .toBeGreaterThan(0);
      await ingestion.query("COMMIT");
      const [run] = await h.waitForRun((rs) => rs[0]?.status === "completed");
      expect(run!.output).toBe("in-flight");
    } finally {
      await ingestion.end();
    }
  });

  it("finds a match behind more than a thousand other events of the same name", async () => {
    const release = deferred();
    h = await startHarness(
      (i) => [
        i.createFunction({ id: "busy", triggers: [{ event: "demo/busy" }] }, async ({ step }) => {
          await step.run("hold", () => release.promise);
          // Not a plain equality, so every event in the window goes through CEL.
          const got = await step.waitForEvent("answer", {
            event: "demo/noise",
            timeout: "1h",
            if: "async.data.n < 0 && async.data.n > -2",
          });
          return got?.data.n ?? null;
        }),
      ],
      { executor: { checkpointing } },
    );
    await h.executor.send({ name: "demo/busy", data: {} });
    await h.waitForRun((rs) => rs.length === 1);
    await h.executor.send(Array.from({ length: 1_050 }, (_, n) => ({ name: "demo/noise", data: { n } })));
    h.clock.advance(1); // the match arrives last: an oldest-first read of a fixed size misses it
    await h.executor.send({ name: "demo/noise", data: { n: -1 } });
    h.clock.advance(5);
    release.resolve();
    const [run] = await h.waitForRun((rs) => rs[0]?.status === "completed", 20_000);
    expect(run!.output).toBe(-1);
  });
});
