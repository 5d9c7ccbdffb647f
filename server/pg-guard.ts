import type pg from "pg";
import type { Logger } from "./logger";

/**
 * Keeps a dropped database connection (a restart, `pg_terminate_backend`, PostgreSQL killed) from
 * crashing the process. pg emits 'error' on a pool's idle client and on a checked-out client
 * between queries, and an 'error' event nobody listens to throws. Each client gets a listener that
 * logs once; the pool then discards the dead client and its next query opens a fresh connection.
 */
export function guardPool<P extends pg.Pool>(pool: P, log: Logger, name: string): P {
  pool.on("connect", (client) => client.on("error", (err) => log.warn({ err, pool: name }, "database connection lost")));
  // pg-pool re-emits an idle client's error on the pool; the client's own listener has logged it.
  pool.on("error", () => undefined);
  return pool;
}
