import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { testDb } from "../testing/db";
import { publishJobEvent, startBus, stopBus } from "./bus";

/** What another app instance would receive on the job channel, in the order PostgreSQL delivers it. */
let listener: pg.Client;
const received: { type: string; jobId: string }[] = [];

beforeAll(async () => {
  testDb(); // points the bus at the test database
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
});
