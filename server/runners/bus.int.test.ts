import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { overrideEnv } from "../env";
import { testDb } from "../testing/db";
import { onTaskEvent, publishJobEvent, publishTaskEvent, startBus, stopBus } from "./bus";

/** What another app instance would receive on the job channel, in the order PostgreSQL delivers it. */
let listener: pg.Client;
const received: { type: string; jobId: string }[] = [];
/** The bus's own sessions carry this name, so a test can end them and nothing else of the run. */
const BUS_APP = "jace_bus_test";

beforeAll(async () => {
  testDb(); // points the bus at the test database
  const url = new URL(inject("databaseUrl"));
  url.searchParams.set("application_name", BUS_APP);
  overrideEnv({ DATABASE_URL: url.toString() });
  await startBus();
  listener = new pg.Client({ connectionString: inject("databaseUrl") });
  await listener.connect();
  listener.on("notification", (m) => received.push(...(JSON.parse(m.payload!) as { events: { type: string; jobId: string }[] }).events));
  await listener.query("LISTEN jace_job_events");
});

afterAll(async () => {
  await listener?.end();
  await stopBus();
});

describe("runner bus", () => {
  it("never lets a job's state event overtake a chunk batch still being sent", async () => {
    const jobId = `job-${Date.now()}`;
    // The chunk batch's NOTIFY is slow (a busy pool connection); the state event comes meanwhile.
    const query = pg.Client.prototype.query;
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      const params = args[1];
      const slow = Array.isArray(params) && typeof params[1] === "string" && params[1].includes(`"chunk"`);
      const run = () => (query as (...a: unknown[]) => unknown).apply(this, args);
      return slow ? new Promise((r) => setTimeout(() => r(run()), 150)) : run();
    } as typeof query;
    try {
      publishJobEvent({ type: "chunk", jobId, seq: 0, stream: "token", data: "first" });
      await new Promise((r) => setTimeout(r, 40)); // the 25 ms batch timer has fired: the batch is in flight
      publishJobEvent({ type: "state", jobId, status: "succeeded" });
      await expect.poll(() => received.filter((e) => e.jobId === jobId).length, { timeout: 3000 }).toBe(2);
    } finally {
      pg.Client.prototype.query = query;
    }
    expect(received.filter((e) => e.jobId === jobId).map((e) => e.type)).toEqual(["chunk", "state"]);
  });

  it("survives PostgreSQL ending its sessions, and LISTENs and publishes again", async () => {
    const fromElsewhere = new Set<string>();
    const off = onTaskEvent((e) => fromElsewhere.add(e.taskId));
    try {
      await publishTaskEvent({ type: "task", taskId: "warm-up", workspaceId: "w" }); // the publisher now holds an idle connection
      const { rowCount } = await listener.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1", [
        BUS_APP,
      ]);
      expect(rowCount).toBeGreaterThanOrEqual(2); // the LISTEN client and the publisher's connection
      // Another instance's NOTIFY arrives again once the bus has reconnected (those sent in the gap are lost).
      const taskId = `after-${Date.now()}`;
      const payload = JSON.stringify({ from: "another-instance", events: [{ type: "task", taskId, workspaceId: "w" }] });
      await expect
        .poll(async () => (await listener.query("SELECT pg_notify('jace_task_events', $1)", [payload]), fromElsewhere.has(taskId)), {
          timeout: 10_000,
        })
        .toBe(true);
      // And this instance's events reach the others: the publisher replaced its dead connection.
      const jobId = `job-after-${Date.now()}`;
      await expect
        .poll(() => (publishJobEvent({ type: "state", jobId, status: "succeeded" }), received.some((e) => e.jobId === jobId)), {
          timeout: 10_000,
        })
        .toBe(true);
    } finally {
      off();
    }
  });
});
