import { randomUUID } from "node:crypto";
import pg from "pg";
import { celKey } from "./cel";
import { parseDuration } from "./duration";
import { equalityFilter } from "./waits";
import type { FunctionConfig, SerializedError, StepState, StoredEvent } from "./protocol";

/** Primitives that change a run's state; each runs inside the caller's transaction. */

export type Db = pg.PoolClient;
export type RunStatus = "running" | "completed" | "failed" | "cancelled";
export type RunRow = {
  id: string;
  function_id: string;
  status: RunStatus;
  event: StoredEvent;
  events: StoredEvent[];
  steps: Record<string, StepState>;
  stack: string[];
  version: number | null;
  disable_immediate: boolean;
  concurrency: Array<{ key: string; limit: number }>;
  parent_run_id: string | null;
  parent_step_id: string | null;
};
/** Something to do after commit (events must be ingested in their own transaction). */
export type AfterCommit = { failedEvents: Array<{ name: string; data: Record<string, unknown> }> };

export async function tx<T>(pool: pg.Pool, fn: (c: Db) => Promise<T>): Promise<T> {
  const c = await pool.connect();
  try {
    await c.query("BEGIN");
    const out = await fn(c);
    await c.query("COMMIT");
    return out;
  } catch (err) {
    await c.query("ROLLBACK").catch(() => undefined);
    throw err;
  } finally {
    c.release();
  }
}

/**
 * Like tx, but the transaction opens with `fn`'s first statement, sent with BEGIN in one round trip
 * (see `open`); a transaction that never opened is neither committed nor rolled back.
 */
export async function txOpenedBy<T>(pool: pg.Pool, fn: (c: Db, open: Opener) => Promise<T>): Promise<T> {
  const c = await pool.connect();
  let opened = false;
  const open: Opener = async (sql, params = []) => {
    if (opened) return sql ? c.query(sql, params) : undefined;
    opened = true;
    if (!sql) return void (await c.query("BEGIN"));
    // Parameters only travel with the extended protocol, which takes one statement per message; the
    // simple protocol takes "BEGIN; ..." in one message, so the values go in as escaped literals.
    const results = (await c.query(`BEGIN; ${inlineParams(sql, params)}`)) as unknown as pg.QueryResult[];
    return results.at(-1);
  };
  try {
    const out = await fn(c, open);
    if (opened) await c.query("COMMIT");
    return out;
  } catch (err) {
    if (opened) await c.query("ROLLBACK").catch(() => undefined);
    throw err;
  } finally {
    c.release();
  }
}

/**
 * Opens the transaction (with `sql` as its first statement when given) or, once open, runs `sql`.
 * Opening, `sql` may hold several statements; the last one's result is returned.
 */
export type Opener = (sql?: string, params?: Array<string | number | boolean | null>) => Promise<pg.QueryResult | undefined>;

function inlineParams(sql: string, params: Array<string | number | boolean | null>): string {
  return sql.replace(/\$(\d+)/g, (_, n: string) => {
    const v = params[Number(n) - 1];
    if (v === undefined) throw new Error(`no value for $${n}`);
    return v === null ? "NULL" : pg.escapeLiteral(String(v));
  });
}

/**
 * The run and, when `lease` names a live lease on it, the call's job, both locked (run first, the
 * lock order everywhere), with the function's config: what applying a call's reply starts with.
 * `owner` undefined accepts any live lease (a checkpoint names its job but not the instance).
 */
export async function lockCall(
  c: Db,
  open: Opener,
  runId: string,
  lease: { jobId: string; owner?: string },
): Promise<{ run?: RunRow; job?: LockedJob; config?: unknown }> {
  const owner = lease.owner === undefined ? "lease_owner IS NOT NULL" : "lease_owner = $3";
  const res = await open(
    `WITH r AS (SELECT * FROM inngest_executor.runs WHERE id = $1 FOR UPDATE),
          j AS (SELECT id::text, run_id, kind, step_id, attempt, due_at, since FROM inngest_executor.jobs
                 WHERE id = $2 AND run_id = $1 AND ${owner} AND EXISTS (SELECT 1 FROM r) FOR UPDATE)
     SELECT r.*, f.config AS fn_config, (SELECT to_jsonb(j) FROM j) AS locked_job
       FROM r LEFT JOIN inngest_executor.functions f ON f.id = r.function_id`,
    [runId, lease.jobId, ...(lease.owner === undefined ? [] : [lease.owner])],
  );
  const row = res?.rows[0] as (RunRow & { fn_config: unknown; locked_job: LockedJob | null }) | undefined;
  if (!row) return {};
  const { fn_config: config, locked_job: job, ...run } = row;
  return { run, job: job ?? undefined, config };
}

/** A job row as lockCall reads it (through JSON: numbers for bigints, the id as text). */
export type LockedJob = {
  id: string;
  run_id: string;
  kind: string;
  step_id: string;
  attempt: number;
  due_at: number;
  since: number | null;
};

export async function lockRun(c: Db, runId: string): Promise<RunRow | undefined> {
  const { rows } = await c.query<RunRow>("SELECT * FROM inngest_executor.runs WHERE id = $1 FOR UPDATE", [runId]);
  return rows[0];
}

export async function enqueue(
  c: Db,
  job: { runId: string; kind: string; stepId: string; dueAt: number; attempt?: number; run?: RunRow; since?: number },
) {
  // Only calls occupy concurrency slots; the run's keys travel with each call job.
  const slots = job.kind === "call" ? (job.run?.concurrency ?? []) : [];
  await c.query(
    `INSERT INTO inngest_executor.jobs (run_id, kind, step_id, due_at, attempt, ckeys, climits, since, run_rank)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, (SELECT rank FROM inngest_executor.runs WHERE id = $1))
     ON CONFLICT (run_id, kind, step_id) DO NOTHING`,
    [
      job.runId,
      job.kind,
      job.stepId,
      job.dueAt,
      job.attempt ?? 0,
      slots.map((s) => s.key),
      slots.map((s) => s.limit),
      job.since ?? job.dueAt,
    ],
  );
}

export async function memoize(c: Db, runId: string, stepId: string, state: StepState): Promise<void> {
  await c.query(
    `UPDATE inngest_executor.runs
        SET steps = steps || jsonb_build_object($2::text, $3::jsonb),
            stack = CASE WHEN stack ? $2 THEN stack ELSE stack || to_jsonb($2::text) END
      WHERE id = $1`,
    [runId, stepId, JSON.stringify(state)],
  );
}

export async function recordStep(
  c: Db,
  s: {
    runId: string;
    stepId: string;
    name?: string;
    op: string;
    status: string;
    attempt?: number;
    now: number;
    output?: unknown;
    error?: unknown;
    done?: boolean;
  },
  /** The step's memoized state, written in the same round trip (see memoize). */
  memo?: StepState,
): Promise<void> {
  const memoizeToo = `WITH memo AS (
      UPDATE inngest_executor.runs
         SET steps = steps || jsonb_build_object($2::text, $11::jsonb),
             stack = CASE WHEN stack ? $2 THEN stack ELSE stack || to_jsonb($2::text) END
       WHERE id = $1)
    `;
  await c.query(
    `${memo === undefined ? "" : memoizeToo}INSERT INTO inngest_executor.steps (run_id, step_id, name, op, status, attempt, started_at, ended_at, output, error)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     ON CONFLICT (run_id, step_id) DO UPDATE SET name = COALESCE(EXCLUDED.name, steps.name), op = EXCLUDED.op,
       status = EXCLUDED.status, attempt = EXCLUDED.attempt, ended_at = EXCLUDED.ended_at,
       output = EXCLUDED.output, error = EXCLUDED.error`,
    [
      s.runId,
      s.stepId,
      s.name ?? null,
      s.op,
      s.status,
      s.attempt ?? 0,
      s.now,
      s.done ? s.now : null,
      s.output === undefined ? null : JSON.stringify(s.output),
      s.error === undefined ? null : JSON.stringify(s.error),
      ...(memo === undefined ? [] : [JSON.stringify(memo)]),
    ],
  );
}

/**
 * Queue a discovery call once no planned step of the run is still pending, so the SDK sees all
 * parallel results together and discovery calls of one run never overlap.
 */
export async function discoverIfIdle(c: Db, run: RunRow, now: number, since = now): Promise<void> {
  if (run.status !== "running") return;
  const slots = run.concurrency ?? [];
  await c.query(
    `INSERT INTO inngest_executor.jobs (run_id, kind, step_id, due_at, attempt, ckeys, climits, since, run_rank)
     SELECT $1, 'call', 'step', $2::bigint, 0, $3::text[], $4::int[], $5::bigint, (SELECT rank FROM inngest_executor.runs WHERE id = $1)
      WHERE NOT EXISTS (SELECT 1 FROM inngest_executor.jobs WHERE run_id = $1 AND kind = 'call')
     ON CONFLICT (run_id, kind, step_id) DO NOTHING`,
    [run.id, now, slots.map((s) => s.key), slots.map((s) => s.limit), Math.min(since, now)],
  );
}

/** Resolve a pending step with a value from outside the SDK (sleep, event, timeout, invoke). */
export async function resolveStep(c: Db, runId: string, stepId: string, state: StepState, now: number): Promise<void> {
  const run = await lockRun(c, runId);
  if (!run || run.status !== "running") return;
  await recordStep(
    c,
    {
      runId,
      stepId,
      op: "resolved",
      status: "error" in state ? "failed" : "completed",
      now,
      done: true,
      output: "data" in state ? state.data : undefined,
      error: "error" in state ? state.error : undefined,
    },
    state,
  );
  await discoverIfIdle(c, run, now);
}

export async function finishRun(
  c: Db,
  run: RunRow,
  outcome: { status: "completed"; output: unknown } | { status: "failed" | "cancelled"; error: SerializedError },
  now: number,
  after: AfterCommit,
): Promise<void> {
  const output = outcome.status === "completed" ? JSON.stringify(outcome.output ?? null) : null;
  const error = outcome.status === "completed" ? null : JSON.stringify(outcome.error);
  // One statement: data-modifying CTEs all run, whether or not the outer query reads them.
  await c.query(
    `WITH finished AS (UPDATE inngest_executor.runs SET status = $2, output = $3, error = $4, ended_at = $5 WHERE id = $1),
          jobs AS (DELETE FROM inngest_executor.jobs WHERE run_id = $1),
          waits AS (DELETE FROM inngest_executor.waits WHERE run_id = $1)
     SELECT 1`,
    [run.id, outcome.status, output, error, now],
  );
  if (run.parent_run_id && run.parent_step_id) {
    const state: StepState = outcome.status === "completed" ? { data: outcome.output ?? null } : { error: outcome.error };
    await c.query("DELETE FROM inngest_executor.jobs WHERE run_id = $1 AND kind = 'invoke-timeout' AND step_id = $2", [
      run.parent_run_id,
      run.parent_step_id,
    ]);
    await resolveStep(c, run.parent_run_id, run.parent_step_id, state, now);
  }
  if (outcome.status === "failed") {
    after.failedEvents.push({
      name: "inngest/function.failed",
      data: { function_id: run.function_id, run_id: run.id, error: outcome.error, event: run.event },
    });
  }
}

function concurrencySlots(fn: FunctionConfig, event: StoredEvent): Array<{ key: string; limit: number }> {
  const c = fn.concurrency;
  if (c === undefined) return [];
  const items = typeof c === "number" ? [{ limit: c }] : Array.isArray(c) ? c : [c];
  return items
    .filter((i) => i.limit > 0)
    .map((i) => {
      const value = "key" in i && i.key ? (celKey(i.key, { event }) ?? "") : "";
      return { key: `${fn.id}:${i.key ?? ""}:${value}`, limit: i.limit };
    });
}

/** Starts a run unless its idempotency key was already used; returns the run id or undefined. */
export async function createRun(
  c: Db,
  fn: FunctionConfig,
  events: StoredEvent[],
  now: number,
  parent?: { runId: string; stepId: string },
): Promise<string | undefined> {
  const event = events[0];
  if (!event) throw new Error("a run needs an event");
  const runId = randomUUID();
  if (fn.idempotency) {
    const key = celKey(fn.idempotency, { event }) ?? "";
    await c.query("DELETE FROM inngest_executor.idempotency WHERE function_id = $1 AND key = $2 AND expires_at <= $3", [fn.id, key, now]);
    const { rowCount } = await c.query(
      `INSERT INTO inngest_executor.idempotency (function_id, key, run_id, expires_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT DO NOTHING`,
      [fn.id, key, runId, now + 86_400_000],
    );
    if (!rowCount) return undefined;
  }
  const concurrency = concurrencySlots(fn, event);
  await c.query(
    `INSERT INTO inngest_executor.runs (id, function_id, status, event, events, concurrency, parent_run_id, parent_step_id, created_at, rank)
     VALUES ($1, $2, 'running', $3, $4, $5, $6, $7, $8, nextval('inngest_executor.run_rank'))`,
    [
      runId,
      fn.id,
      JSON.stringify(event),
      JSON.stringify(events),
      JSON.stringify(concurrency),
      parent?.runId ?? null,
      parent?.stepId ?? null,
      now,
    ],
  );
  for (const [i, cancel] of (fn.cancel ?? []).entries()) {
    const timeout = cancel.timeout ? parseDuration(cancel.timeout) : undefined;
    const filter = cancel.if ? equalityFilter(cancel.if, event) : undefined;
    await c.query(
      `INSERT INTO inngest_executor.waits (run_id, kind, step_id, event_name, expression, expires_at, created_at, match_path, match_value)
       VALUES ($1, 'cancel', $2, $3, $4, $5, $6, $7, $8)`,
      [
        runId,
        `cancel-${i}`,
        cancel.event,
        cancel.if ?? null,
        timeout === undefined ? null : now + timeout,
        now,
        filter?.path ?? null,
        filter ? JSON.stringify(filter.value) : null,
      ],
    );
  }
  await c.query(
    `INSERT INTO inngest_executor.jobs (run_id, kind, step_id, due_at, ckeys, climits, since, run_rank)
     VALUES ($1, 'call', 'step', $2, $3, $4, $2, (SELECT rank FROM inngest_executor.runs WHERE id = $1))`,
    [runId, now, concurrency.map((s) => s.key), concurrency.map((s) => s.limit)],
  );
  return runId;
}
