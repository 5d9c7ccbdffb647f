import { celMatches } from "./cel";
import { parseDuration } from "./duration";
import { waitForEventOpts, type OutgoingOp, type StoredEvent } from "./protocol";
import { enqueue, resolveStep, type Db, type Opener, type RunRow } from "./state";

/**
 * waitForEvent registration and its "look-back".
 *
 * Inngest only matches events received after the wait is registered. Here the wait is registered
 * when the executor applies the reply of the SDK call that reached it, which is after the steps
 * just before it ran: a step that asks for approval and then waits for `task/approved` can see the
 * approval arrive while that reply is still in flight. So a new wait first looks back for a
 * matching event received since the call that ran the step before it became due (`jobs.since`),
 * skipping events this run has already consumed, and only then starts waiting.
 *
 * Race: event ingestion takes a shared advisory lock per event name before it stores the event
 * and reads the waits; registering a wait takes the same lock exclusively before it looks back and
 * stores the wait. So either the ingestion sees the stored wait or the look-back sees the stored
 * event. Lock order: event-name locks (sorted) are always taken before any run row lock.
 */

/** The advisory lock space of event names: ingestion takes a name's lock shared (ingest.ts), wait registration exclusively. */
export const EVENT_LOCK_SPACE = "inngest_executor.event";
const PAGE = 200;

/** Taken before the run lock by whatever applies ops that may register waits. */
export async function lockWaitEvents(c: Db, open: Opener, ops: OutgoingOp[]): Promise<void> {
  const names = [...new Set(ops.flatMap((op) => (op.op === "WaitForEvent" ? [waitEventName(op) ?? ""] : [])))].sort();
  if (names.length) await open();
  for (const name of names) {
    await c.query("SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))", [EVENT_LOCK_SPACE, name]);
  }
}

function waitEventName(op: OutgoingOp): string | undefined {
  const opts = waitForEventOpts.safeParse(op.opts ?? {});
  return opts.success ? (opts.data.event ?? op.name) : undefined;
}

/** Resolves a waitForEvent step with an event, which no later wait of this run may take again. */
export async function resolveWithEvent(c: Db, runId: string, stepId: string, event: StoredEvent, now: number): Promise<void> {
  await c.query("UPDATE inngest_executor.runs SET consumed = array_append(consumed, $2) WHERE id = $1", [runId, event.id]);
  await resolveStep(c, runId, stepId, { data: event }, now);
}

/**
 * Registers a waitForEvent (the caller holds its event-name lock and the run lock). Returns
 * "resolved" when an event received since `since` already matches.
 */
export async function startWait(c: Db, run: RunRow, op: OutgoingOp, now: number, since: number): Promise<false | "waiting" | "resolved"> {
  const opts = waitForEventOpts.safeParse(op.opts ?? {});
  const eventName = waitEventName(op);
  const timeout = opts.success ? parseDuration(opts.data.timeout) : undefined;
  if (!opts.success || !eventName || timeout === undefined) return false;
  if (run.steps?.[op.id] !== undefined) return "resolved"; // reported again after it was resolved
  const expression = opts.data.if ?? null;
  const early = await lookBack(c, run, eventName, expression, since);
  if (early) {
    await resolveWithEvent(c, run.id, op.id, early, now);
    return "resolved";
  }
  const filter = expression ? equalityFilter(expression, run.event) : undefined;
  const inserted = await c.query(
    `INSERT INTO inngest_executor.waits (run_id, kind, step_id, event_name, expression, expires_at, created_at, match_path, match_value)
     VALUES ($1, 'event', $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`,
    [run.id, op.id, eventName, expression, now + timeout, now, filter?.path ?? null, filter ? JSON.stringify(filter.value) : null],
  );
  if (inserted.rowCount) await enqueue(c, { runId: run.id, kind: "wait-timeout", stepId: op.id, dueAt: now + timeout });
  return "waiting";
}

/**
 * The oldest unconsumed event of `name` received since `since` that matches. Pages through the
 * whole window in arrival order (it is bounded by `since` and by event retention), so a busy event
 * name cannot push the match out of a fixed-size read; a plain equality `match` is filtered in SQL.
 */
async function lookBack(c: Db, run: RunRow, name: string, expression: string | null, since: number): Promise<StoredEvent | undefined> {
  const filter = expression ? equalityFilter(expression, run.event) : undefined;
  const consumed = await c.query<{ consumed: string[] }>("SELECT consumed FROM inngest_executor.runs WHERE id = $1", [run.id]);
  let cursor: { at: string; id: string } | undefined;
  for (;;) {
    const { rows } = await c.query<{ id: string; received_at: string; payload: StoredEvent }>(
      `SELECT id, received_at, payload FROM inngest_executor.events
        WHERE name = $1 AND received_at >= $2 AND NOT (id = ANY($3::text[]))
          AND ($4::text[] IS NULL OR payload #> $4::text[] = $5::jsonb)
          AND ($6::bigint IS NULL OR (received_at, id) > ($6::bigint, $7::text))
        ORDER BY received_at, id LIMIT ${PAGE}`,
      [
        name,
        since,
        consumed.rows[0]?.consumed ?? [],
        filter?.path ?? null,
        filter ? JSON.stringify(filter.value) : null,
        cursor?.at ?? null,
        cursor?.id ?? null,
      ],
    );
    const hit = rows.find((r) => !expression || celMatches(expression, { event: run.event, async: r.payload }));
    if (hit) return hit.payload;
    const last = rows.at(-1);
    if (!last || rows.length < PAGE) return undefined;
    cursor = { at: last.received_at, id: last.id };
  }
}

const path = String.raw`[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*`;
const asyncSide = String.raw`async\.data\.(${path})`;
const otherSide = String.raw`event\.data\.(${path})|"([^"\\]*)"|(-?\d+(?:\.\d+)?)|(true|false)`;
const equality = [
  new RegExp(String.raw`^\s*${asyncSide}\s*==\s*(?:${otherSide})\s*$`),
  new RegExp(String.raw`^\s*(?:${otherSide})\s*==\s*${asyncSide}\s*$`),
];

/**
 * When the whole expression is one equality between a field of the awaited event and a scalar
 * (a literal or a field of the run's event, as `match` sends it), the JSON path and value to
 * filter on in SQL. Only ever narrows to rows CEL could match; CEL still decides.
 */
export function equalityFilter(expression: string, trigger: StoredEvent): { path: string[]; value: unknown } | undefined {
  for (const [i, re] of equality.entries()) {
    const m = re.exec(expression);
    if (!m) continue;
    const [asyncPath, eventPath, str, num, bool] = i === 0 ? m.slice(1, 6) : [m[5], ...m.slice(1, 5)];
    let value: unknown;
    if (eventPath !== undefined)
      value = eventPath
        .split(".")
        .reduce<unknown>((v, k) => (v && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined), trigger.data);
    else if (str !== undefined) value = str;
    else if (num !== undefined) value = Number(num);
    else if (bool !== undefined) value = bool === "true";
    if (!["string", "number", "boolean"].includes(typeof value) || !asyncPath) return undefined;
    return { path: ["data", ...asyncPath.split(".")], value };
  }
  return undefined;
}
