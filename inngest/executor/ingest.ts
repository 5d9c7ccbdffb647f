import { randomUUID } from "node:crypto";
import { celMatches } from "./cel";
import type { ExecutorContext } from "./context";
import { eventPayload, functionConfig, type EventPayload, type StoredEvent } from "./protocol";
import { createRun, finishRun, lockRun, tx, type AfterCommit, type Db } from "./state";
import { lockEventNameShared, resolveWithEvent } from "./waits";

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

function ingestOne(ctx: ExecutorContext, event: StoredEvent, now: number, follow: AfterCommit): Promise<void> {
  return tx(ctx.pool, async (c) => {
    await lockEventNameShared(c, event.name); // see waits.ts: a wait registered now sees this event or is seen by it
    const inserted = await c.query(
      "INSERT INTO inngest_executor.events (id, name, payload, received_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
      [event.id, event.name, JSON.stringify(event), now],
    );
    if (!inserted.rowCount) return;
    await matchWaits(c, event, now, follow);
    await triggerFunctions(c, event, now);
  });
}

async function matchWaits(c: Db, event: StoredEvent, now: number, after: AfterCommit): Promise<void> {
  const { rows } = await c.query<{
    id: string;
    run_id: string;
    kind: string;
    step_id: string;
    expression: string | null;
    trigger: StoredEvent;
  }>(
    `SELECT w.id, w.run_id, w.kind, w.step_id, w.expression, r.event AS trigger
       FROM inngest_executor.waits w JOIN inngest_executor.runs r ON r.id = w.run_id
      WHERE w.event_name = $1 AND (w.expires_at IS NULL OR w.expires_at > $2)
      ORDER BY w.run_id, w.id`,
    [event.name, now],
  );
  for (const wait of rows) {
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

async function triggerFunctions(c: Db, event: StoredEvent, now: number): Promise<void> {
  const { rows } = await c.query<{ config: unknown }>(
    `SELECT config FROM inngest_executor.functions
      WHERE EXISTS (SELECT 1 FROM jsonb_array_elements(config->'triggers') t WHERE t->>'event' = $1)`,
    [event.name],
  );
  for (const row of rows) {
    const fn = functionConfig.parse(row.config);
    const matches = fn.triggers.some(
      (t) => "event" in t && t.event === event.name && (!t.expression || celMatches(t.expression, { event })),
    );
    if (matches) await createRun(c, fn, [event], now);
  }
}
