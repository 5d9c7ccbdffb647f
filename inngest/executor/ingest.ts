import { randomUUID } from "node:crypto";
import { celMatches } from "./cel";
import type { ExecutorContext } from "./context";
import { eventPayload, functionConfig, type EventPayload, type StoredEvent } from "./protocol";
import { createRun, finishRun, lockRun, txOpenedBy, type AfterCommit, type Db } from "./state";
import { EVENT_LOCK_SPACE, resolveWithEvent } from "./waits";

/** Events of one send stored at once (each in its own transaction); a batch has no order. */
const PARALLEL = 8;

/**
 * Stores events (an event id already seen is a no-op: dedupe), resumes matching waitForEvent
 * steps, cancels runs whose cancelOn matches, and starts the functions each event triggers. A
 * batch with one invalid event stores none. Runs start as their event is stored, not after the
 * whole batch (a 500-event send stored one by one delayed the last run's first step by seconds).
 */
export async function ingestEvents(ctx: ExecutorContext, payloads: EventPayload[]): Promise<string[]> {
  const parsed = payloads.map((raw) => eventPayload.parse(raw));
  const ids = parsed.map((p) => p.id ?? randomUUID());
  const follow: AfterCommit = { failedEvents: [] };
  let next = 0;
  const worker = async () => {
    while (next < parsed.length) {
      const i = next++;
      const now = ctx.clock.now();
      await ingestOne(ctx, { ...parsed[i]!, id: ids[i]!, ts: parsed[i]!.ts ?? now }, now, follow);
      ctx.kick();
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, parsed.length) }, worker));
  if (follow.failedEvents.length) await ctx.send(follow.failedEvents);
  return ids;
}

/**
 * One event in one transaction, in two round trips when it only starts runs or nothing: BEGIN, the
 * event-name lock (its own statement, so the next one's snapshot is taken under it: see waits.ts),
 * then the insert with the waits and the triggered functions it may concern, all sent at once;
 * then COMMIT (with whatever the matches wrote before it).
 */
function ingestOne(ctx: ExecutorContext, event: StoredEvent, now: number, follow: AfterCommit): Promise<void> {
  return txOpenedBy(ctx.pool, async (c, open) => {
    const res = await open(
      `SELECT pg_advisory_xact_lock_shared(hashtext($1), hashtext($2));
       WITH ins AS (
         INSERT INTO inngest_executor.events (id, name, payload, received_at) VALUES ($3, $2, $4, $5) ON CONFLICT DO NOTHING RETURNING 1
       )
       SELECT EXISTS (SELECT 1 FROM ins) AS inserted,
              (SELECT coalesce(json_agg(w ORDER BY w.run_id, w.id), '[]')
                 FROM (SELECT w.id, w.run_id, w.kind, w.step_id, w.expression, r.event AS trigger
                         FROM inngest_executor.waits w JOIN inngest_executor.runs r ON r.id = w.run_id
                        WHERE w.event_name = $2 AND (w.expires_at IS NULL OR w.expires_at > $5) AND EXISTS (SELECT 1 FROM ins)
                          AND (w.match_path IS NULL OR $4::jsonb #> w.match_path = w.match_value)) w) AS waits,
              (SELECT coalesce(json_agg(f.config), '[]') FROM inngest_executor.functions f
                WHERE EXISTS (SELECT 1 FROM ins)
                  AND EXISTS (SELECT 1 FROM jsonb_array_elements(f.config->'triggers') t WHERE t->>'event' = $2)) AS functions`,
      [EVENT_LOCK_SPACE, event.name, event.id, JSON.stringify(event), now],
    );
    const row = res!.rows[0] as { inserted: boolean; waits: WaitRow[]; functions: unknown[] };
    if (!row.inserted) return;
    await matchWaits(c, row.waits, event, now, follow);
    await triggerFunctions(c, row.functions, event, now);
  });
}

type WaitRow = { id: string; run_id: string; kind: string; step_id: string; expression: string | null; trigger: StoredEvent };

async function matchWaits(c: Db, waits: WaitRow[], event: StoredEvent, now: number, after: AfterCommit): Promise<void> {
  for (const wait of waits) {
    if (wait.expression && !celMatches(wait.expression, { event: wait.trigger, async: event })) continue;
    const run = await lockRun(c, wait.run_id); // lock the run before touching its rows (lock order)
    const taken = await c.query("DELETE FROM inngest_executor.waits WHERE id = $1", [wait.id]);
    if (!taken.rowCount || !run || run.status !== "running") continue;
    if (wait.kind === "cancel") {
      const error = { name: "FunctionCancelled", message: `Cancelled by event "${event.name}" (${event.id})` };
      await finishRun(c, run, { status: "cancelled", error }, now, after);
    } else {
      await c.query("DELETE FROM inngest_executor.jobs WHERE run_id = $1 AND kind = 'wait-timeout' AND step_id = $2", [
        wait.run_id,
        wait.step_id,
      ]);
      await resolveWithEvent(c, wait.run_id, wait.step_id, event, now);
    }
  }
}

async function triggerFunctions(c: Db, configs: unknown[], event: StoredEvent, now: number): Promise<void> {
  for (const config of configs) {
    const fn = functionConfig.parse(config);
    const matches = fn.triggers.some(
      (t) => "event" in t && t.event === event.name && (!t.expression || celMatches(t.expression, { event })),
    );
    if (matches) await createRun(c, fn, [event], now);
  }
}
