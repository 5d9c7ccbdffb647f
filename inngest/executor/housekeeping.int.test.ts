import { RetryAfterError } from "inngest";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "./test-harness";

let h: Harness | undefined;
let db: pg.Client | undefined;
afterEach(async () => {
  await db?.end();
  db = undefined;
  await h?.close();
  h = undefined;
});

const settle = () => new Promise((r) => setTimeout(r, 200));
const HOUR = 3_600_000;

async function sql<T extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<T[]> {
  if (!db) {
    db = new pg.Client({ connectionString: h!.databaseUrl });
    await db.connect();
  }
  return (await db.query<T>(text, values)).rows;
}

describe("embedded executor housekeeping", () => {
  it("prunes events after 24 h (their ids dedupe until then) and finished runs after the retention period", async () => {
    let runs = 0;
    h = await startHarness(
      (i) => [
        i.createFunction({ id: "once", triggers: [{ event: "demo/once" }] }, async () => ++runs),
        i.createFunction({ id: "long", triggers: [{ event: "demo/long" }] }, async ({ step }) => {
          await step.sleep("nap", "30d");
        }),
      ],
      { executor: { retention: { runsMs: 48 * HOUR }, pruneIntervalMs: 60_000 } },
    );
    await h.executor.send([
      { id: "old", name: "demo/once", data: {} },
      { id: "long", name: "demo/long", data: {} },
    ]);
    await h.waitForRun((rs) => rs.some((r) => r.status === "completed") && rs.some((r) => r.steps.some((s) => s.status === "sleeping")));
    h.clock.advance(23 * HOUR);
    await h.executor.send({ id: "old", name: "demo/once", data: {} }); // a duplicate within 24 h
    await settle();
    expect(runs).toBe(1);

    h.clock.advance(2 * HOUR);
    await h.executor.send({ id: "fresh", name: "demo/once", data: {} });
    await h.waitForRun((rs) => rs.filter((r) => r.status === "completed").length === 2);
    const events = async () => (await sql<{ id: string }>("SELECT id FROM inngest_executor.events ORDER BY id")).map((r) => r.id);
    await expect.poll(events, { timeout: 5_000 }).toEqual(["fresh"]);
    expect(await h.executor.listRuns()).toHaveLength(3); // runs are kept longer than events

    h.clock.advance(24 * HOUR); // the first run ended 49 h ago, the second 24 h ago
    await expect.poll(async () => (await h!.executor.listRuns()).length, { timeout: 5_000 }).toBe(2);
    const left = await h.executor.listRuns();
    expect(left.map((r) => r.event.id).sort()).toEqual(["fresh", "long"]);
    expect(await sql("SELECT 1 FROM inngest_executor.steps WHERE run_id NOT IN (SELECT id FROM inngest_executor.runs)")).toEqual([]);
  });

  it("fails a run loudly when one of its jobs has a kind this executor does not know, once", async () => {
    h = await startHarness((i) => [
      i.createFunction({ id: "sleeper", triggers: [{ event: "demo/sleeper" }] }, async ({ step }) => {
        await step.sleep("nap", "1h");
      }),
    ]);
    await h.executor.send({ name: "demo/sleeper", data: {} });
    const [run] = await h.waitForRun((rs) => rs[0]?.steps.some((s) => s.status === "sleeping") ?? false);
    await sql("INSERT INTO inngest_executor.jobs (run_id, kind, step_id, due_at) VALUES ($1, 'teleport', 'x', 0)", [run!.id]);
    const [failed] = await h.waitForRun((rs) => rs[0]?.status === "failed");
    expect(failed!.error).toMatchObject({ name: "UnknownJobKind", message: expect.stringMatching(/does not know job kind "teleport"/) });
    expect(await sql("SELECT 1 FROM inngest_executor.jobs")).toEqual([]);
  });

  it("measures a Retry-After date on the executor's clock", async () => {
    let attempts = 0;
    h = await startHarness((i) => [
      i.createFunction({ id: "dated", triggers: [{ event: "demo/dated" }] }, async ({ step }) =>
        step.run("rate-limited", () => {
          if (++attempts === 1) throw new RetryAfterError("slow down", new Date(h!.clock.now() + 60_000));
          return attempts;
        }),
      ),
    ]);
    await h.executor.send({ name: "demo/dated", data: {} });
    await h.waitForRun((rs) => rs[0]?.steps[0]?.status === "retrying");
    h.clock.advance(45_000); // beyond the default backoff, before the date
    await settle();
    expect(attempts).toBe(1);
    h.clock.advance(15_000);
    const [run] = await h.waitForRun((rs) => rs[0]?.status === "completed");
    expect(run!.output).toBe(2);
  });
});
