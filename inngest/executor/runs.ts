import type pg from "pg";
import type { RunStatus } from "./state";

/** Read model for the dashboard. Times are epoch ms on the executor's clock. */
export type StepView = {
  id: string;
  name: string | null;
  op: string;
  status: string;
  attempt: number;
  startedAt: number;
  endedAt: number | null;
  output: unknown;
  error: unknown;
};
export type RunView = {
  id: string;
  functionId: string;
  status: RunStatus;
  event: { id: string; name: string; data: Record<string, unknown>; ts: number };
  output: unknown;
  error: { name: string; message: string } | null;
  parentRunId: string | null;
  createdAt: number;
  endedAt: number | null;
};
/** Work queued for a run: a call (attempt > 0: a retry), a sleep's wake-up, a timeout. */
export type PendingJob = { kind: string; stepId: string; attempt: number; dueAt: number };
/** A waitForEvent the run is blocked on. */
export type PendingWait = { stepId: string; event: string; expiresAt: number | null };
export type RunDetail = RunView & { steps: StepView[]; pending: PendingJob[]; waits: PendingWait[] };
export type ListRunsInput = {
  functionId?: string;
  status?: RunStatus;
  limit?: number;
  before?: number;
  /** Runs whose triggering event's data contains these values, e.g. `{ taskId }`. */
  eventData?: Record<string, string>;
  /** Runs whose triggering event's `data[key]` is one of `values` (e.g. many task ids at once). */
  eventDataIn?: { key: string; values: string[] };
};

type RunRow = {
  id: string;
  function_id: string;
  status: RunStatus;
  event: RunView["event"];
  output: unknown;
  error: RunView["error"];
  parent_run_id: string | null;
  created_at: string;
  ended_at: string | null;
};

function toView(r: RunRow): RunView {
  return {
    id: r.id,
    functionId: r.function_id,
    status: r.status,
    event: r.event,
    output: r.output,
    error: r.error,
    parentRunId: r.parent_run_id,
    createdAt: Number(r.created_at),
    endedAt: r.ended_at === null ? null : Number(r.ended_at),
  };
}

export async function listRuns(pool: pg.Pool, input: ListRunsInput = {}): Promise<RunView[]> {
  const { rows } = await pool.query<RunRow>(
    `SELECT * FROM inngest_executor.runs
      WHERE ($1::text IS NULL OR function_id = $1) AND ($2::text IS NULL OR status = $2) AND ($3::bigint IS NULL OR created_at < $3)
        AND ($5::jsonb IS NULL OR event->'data' @> $5::jsonb)
        AND ($6::text IS NULL OR event->'data'->>$6 = ANY($7::text[]))
      ORDER BY created_at DESC, id LIMIT $4`,
    [
      input.functionId ?? null,
      input.status ?? null,
      input.before ?? null,
      Math.min(input.limit ?? 50, 500),
      input.eventData ? JSON.stringify(input.eventData) : null,
      input.eventDataIn?.key ?? null,
      input.eventDataIn?.values ?? [],
    ],
  );
  return rows.map(toView);
}

export async function getRun(pool: pg.Pool, runId: string): Promise<RunDetail | undefined> {
  const { rows } = await pool.query<RunRow>("SELECT * FROM inngest_executor.runs WHERE id = $1", [runId]);
  if (!rows[0]) return undefined;
  const steps = await pool.query<{
    step_id: string;
    name: string | null;
    op: string;
    status: string;
    attempt: number;
    started_at: string;
    ended_at: string | null;
    output: unknown;
    error: unknown;
  }>("SELECT * FROM inngest_executor.steps WHERE run_id = $1 ORDER BY seq", [runId]);
  const pending = await pool.query<{ kind: string; step_id: string; attempt: number; due_at: string }>(
    "SELECT kind, step_id, attempt, due_at FROM inngest_executor.jobs WHERE run_id = $1 ORDER BY due_at, id",
    [runId],
  );
  const waits = await pool.query<{ step_id: string; event_name: string; expires_at: string | null }>(
    "SELECT step_id, event_name, expires_at FROM inngest_executor.waits WHERE run_id = $1 AND kind = 'event' ORDER BY id",
    [runId],
  );
  return {
    ...toView(rows[0]),
    steps: steps.rows.map((s) => ({
      id: s.step_id,
      name: s.name,
      op: s.op,
      status: s.status,
      attempt: s.attempt,
      startedAt: Number(s.started_at),
      endedAt: s.ended_at === null ? null : Number(s.ended_at),
      output: s.output,
      error: s.error,
    })),
    pending: pending.rows.map((j) => ({ kind: j.kind, stepId: j.step_id, attempt: j.attempt, dueAt: Number(j.due_at) })),
    waits: waits.rows.map((w) => ({
      stepId: w.step_id,
      event: w.event_name,
      expiresAt: w.expires_at === null ? null : Number(w.expires_at),
    })),
  };
}
