import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createDb, sqlRows } from "./db";
import { Prisma } from "./generated/prisma/client";
import { logger } from "./logger";
import { guardPool } from "./pg-guard";

/**
 * PostgreSQL ends a session (restart, `pg_terminate_backend`, the server killed): the process must
 * not crash on pg's 'error' event, and the pool must serve the next query on a new connection. An
 * uncaught 'error' would fail this file as an unhandled error.
 */

let admin: pg.Client;

/** The test database's URL, with an application name that tells these sessions apart from the rest of the run. */
function urlNamed(name: string): string {
  const url = new URL(inject("databaseUrl"));
  url.searchParams.set("application_name", name);
  return url.toString();
}

/** Terminates every session of `name` and waits until PostgreSQL has ended them; returns how many. */
async function terminate(name: string): Promise<number> {
  const { rowCount } = await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1", [name]);
  await expect
    .poll(async () => (await admin.query("SELECT 1 FROM pg_stat_activity WHERE application_name = $1", [name])).rowCount, {
      timeout: 10_000,
    })
    .toBe(0);
  return rowCount ?? 0;
}

beforeAll(async () => {
  admin = new pg.Client({ connectionString: inject("databaseUrl") });
  await admin.connect();
});

afterAll(async () => {
  await admin?.end();
});

describe("database connections ended by the server", () => {
  it("the app pool (createDb) drops an idle connection and answers on a new one", async () => {
    const db = createDb(urlNamed("jace_guard_app"));
    try {
      // Only sqlRows so far: Prisma has not connected, so its adapter has put no listener on the pool.
      const pid = async () => (await sqlRows<{ pid: number }>(db, Prisma.sql`SELECT pg_backend_pid() AS pid`))[0]!.pid;
      const before = await pid();
      expect(await terminate("jace_guard_app")).toBe(1);
      // The dead client leaves the pool when its error arrives; until then a query may still pick it.
      await expect.poll(() => pid().catch(() => before), { timeout: 10_000 }).not.toBe(before);
    } finally {
      await db.$disconnect();
    }
  });

  it("a guarded pool survives a checked-out client losing its connection", async () => {
    const pool = guardPool(new pg.Pool({ connectionString: urlNamed("jace_guard_out") }), logger, "test");
    try {
      const client = await pool.connect();
      // pg emits 'error' just before 'end' when the socket closes without end() being called.
      const ended = new Promise((resolve) => client.once("end", resolve));
      expect(await terminate("jace_guard_out")).toBe(1);
      await ended;
      await expect(client.query("SELECT 1")).rejects.toThrow();
      client.release();
      expect((await pool.query<{ one: number }>("SELECT 1 AS one")).rows[0]!.one).toBe(1);
    } finally {
      await pool.end();
    }
  });
});
