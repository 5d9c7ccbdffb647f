import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startHarness, type Harness } from "./test-harness";

/**
 * PostgreSQL ends the executor's sessions (restart, failover, `pg_terminate_backend`) while its
 * scheduler polls: the process must not crash on pg's 'error' event (an uncaught one fails this
 * file), and the executor answers again on new connections.
 */

let h: Harness;
let admin: pg.Client;

beforeAll(async () => {
  h = await startHarness(() => []);
  admin = new pg.Client({ connectionString: inject("databaseUrl") });
  await admin.connect();
});

afterAll(async () => {
  await admin?.end();
  await h?.close();
});

describe("executor database connections", () => {
  it("survive being terminated, idle or checked out, and are replaced", async () => {
    const database = new URL(h.databaseUrl).pathname.slice(1);
    await h.executor.listRuns();
    const sessions = "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()";
    const { rowCount } = await admin.query(`SELECT pg_terminate_backend(pid) FROM (${sessions}) s`, [database]);
    expect(rowCount).toBeGreaterThan(0);
    await expect.poll(async () => (await admin.query(sessions, [database])).rowCount, { timeout: 10_000 }).toBe(0);
    await expect
      .poll(
        () =>
          h.executor.listRuns().then(
            () => "answers",
            (err: Error) => err.message,
          ),
        { timeout: 10_000 },
      )
      .toBe("answers");
  });
});
