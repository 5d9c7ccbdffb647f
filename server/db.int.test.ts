import { describe, expect, it } from "vitest";
import { Prisma, sqlRows } from "./db";
import { testDb } from "./testing/db";

const db = testDb();

describe("sqlRows", () => {
  it("prepares a statement once per connection and binds each call's values to it", async () => {
    type Row = { n: number; pid: number; prepared: number; preparedAt: Date | null };
    const run = (n: number) =>
      sqlRows<Row>(
        db,
        Prisma.sql`/* sqlRows prepare test */
        SELECT ${n}::int AS n, pg_backend_pid() AS pid,
               (SELECT count(*)::int FROM pg_prepared_statements WHERE statement LIKE '/* sqlRows prepare test */%') AS prepared,
               (SELECT prepare_time FROM pg_prepared_statements WHERE statement LIKE '/* sqlRows prepare test */%') AS "preparedAt"`,
      );
    const rows = [];
    for (let n = 1; n <= 6; n++) rows.push((await run(n))[0]!);
    // Each call's own value, from one named statement (the unnamed one is not listed).
    expect(rows.map((r) => r.n)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(rows.every((r) => r.prepared === 1)).toBe(true);
    // Calls on the same connection bind the statement prepared by the first: it is not parsed again.
    const first = new Map<number, number>();
    for (const r of rows) {
      const at = new Date(r.preparedAt!).getTime();
      if (!first.has(r.pid)) first.set(r.pid, at);
      expect(at).toBe(first.get(r.pid));
    }
    expect(rows.length - first.size).toBeGreaterThan(0);
  });

  it("reads timestamps as UTC, JSON as objects, and keeps a statement that failed usable", async () => {
    const at = new Date("2026-03-01T12:34:56.789Z");
    const [row] = await sqlRows<{ at: Date; doc: { a: number[] } }>(
      db,
      Prisma.sql`SELECT ${at}::timestamp(3) AS at, ${JSON.stringify({ a: [1, 2] })}::jsonb AS doc`,
    );
    expect(row!.at.toISOString()).toBe(at.toISOString());
    expect(row!.doc).toEqual({ a: [1, 2] });

    const divide = (d: number) => sqlRows<{ q: number }>(db, Prisma.sql`SELECT (10 / ${d}::int)::int AS q`);
    await expect(divide(0)).rejects.toThrow(/division by zero/);
    expect(await divide(5)).toEqual([{ q: 2 }]);
  });
});
