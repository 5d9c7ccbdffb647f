import type { ExecutorContext } from "./context";
import { tx } from "./state";

/**
 * Housekeeping: events are kept as long as their ids dedupe (24 h, as on Inngest), finished runs
 * and their step history for a retention period, spent idempotency keys until they expire. One
 * instance prunes at a time; each batch is its own short transaction.
 */
export type Retention = { eventsMs: number; runsMs: number };
export const defaultRetention: Retention = { eventsMs: 24 * 3_600_000, runsMs: 7 * 24 * 3_600_000 };

const BATCH = 1000;
const MAX_BATCHES = 20;

export async function pruneOnce(ctx: ExecutorContext, retention: Retention): Promise<{ events: number; runs: number }> {
  const total = { events: 0, runs: 0 };
  for (let i = 0; i < MAX_BATCHES; i++) {
    const done = await tx(ctx.pool, async (c) => {
      const { rows } = await c.query<{ ok: boolean }>("SELECT pg_try_advisory_xact_lock(hashtext('inngest_executor.prune')) AS ok");
      if (!rows[0]?.ok) return true; // another instance is at it
      const now = ctx.clock.now();
      const events = await c.query(
        `DELETE FROM inngest_executor.events WHERE id IN (
           SELECT id FROM inngest_executor.events WHERE received_at < $1 ORDER BY received_at LIMIT ${BATCH})`,
        [now - retention.eventsMs],
      );
      const runs = await c.query<{ n: number }>(
        `WITH gone AS (
           DELETE FROM inngest_executor.runs WHERE id IN (
             SELECT id FROM inngest_executor.runs WHERE ended_at < $1 AND status <> 'running' ORDER BY ended_at LIMIT ${BATCH})
           RETURNING id
         ), history AS (DELETE FROM inngest_executor.steps s USING gone WHERE s.run_id = gone.id)
         SELECT count(*)::int AS n FROM gone`,
        [now - retention.runsMs],
      );
      await c.query(
        `DELETE FROM inngest_executor.idempotency WHERE (function_id, key) IN (
           SELECT function_id, key FROM inngest_executor.idempotency WHERE expires_at <= $1 LIMIT ${BATCH})`,
        [now],
      );
      const n = { events: events.rowCount ?? 0, runs: runs.rows[0]?.n ?? 0 };
      total.events += n.events;
      total.runs += n.runs;
      return n.events < BATCH && n.runs < BATCH;
    });
    if (done) break;
  }
  if (total.events || total.runs) ctx.log.info(total, "inngest executor pruned old events and runs");
  return total;
}
