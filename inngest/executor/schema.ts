import type pg from "pg";

/**
 * The executor's own tables, in schema `inngest_executor` (not Prisma's: a queue polled with
 * SKIP LOCKED is raw SQL's job). All times are epoch milliseconds from the injected clock, never
 * the database's now(), so a test clock can make sleeps and timeouts due.
 */
const migrations: Array<string | { index: string; create: string }> = [
  `
  CREATE TABLE inngest_executor.functions (
    id text PRIMARY KEY,
    app_id text NOT NULL,
    config jsonb NOT NULL,
    synced_at bigint NOT NULL
  );
  CREATE TABLE inngest_executor.events (
    id text PRIMARY KEY,
    name text NOT NULL,
    payload jsonb NOT NULL,
    received_at bigint NOT NULL
  );
  CREATE TABLE inngest_executor.runs (
    id text PRIMARY KEY,
    function_id text NOT NULL,
    status text NOT NULL,
    event jsonb NOT NULL,
    events jsonb NOT NULL,
    steps jsonb NOT NULL DEFAULT '{}',
    stack jsonb NOT NULL DEFAULT '[]',
    version int,
    disable_immediate boolean NOT NULL DEFAULT false,
    concurrency jsonb NOT NULL DEFAULT '[]',
    output jsonb,
    error jsonb,
    parent_run_id text,
    parent_step_id text,
    created_at bigint NOT NULL,
    started_at bigint,
    ended_at bigint
  );
  CREATE INDEX runs_function_created ON inngest_executor.runs (function_id, created_at DESC);
  CREATE INDEX runs_parent ON inngest_executor.runs (parent_run_id) WHERE parent_run_id IS NOT NULL;
  CREATE TABLE inngest_executor.idempotency (
    function_id text NOT NULL,
    key text NOT NULL,
    run_id text NOT NULL,
    expires_at bigint NOT NULL,
    PRIMARY KEY (function_id, key)
  );
  -- Work items. kind: call (POST to the SDK; step_id 'step' = discovery, else a planned step),
  -- sleep, wait-timeout, invoke-timeout. Unique per (run, kind, step) so re-reported ops dedupe.
  CREATE TABLE inngest_executor.jobs (
    id bigserial PRIMARY KEY,
    run_id text NOT NULL,
    kind text NOT NULL,
    step_id text NOT NULL,
    attempt int NOT NULL DEFAULT 0,
    due_at bigint NOT NULL,
    lease_owner text,
    lease_until bigint,
    ckeys text[] NOT NULL DEFAULT '{}',
    climits int[] NOT NULL DEFAULT '{}',
    UNIQUE (run_id, kind, step_id)
  );
  CREATE INDEX jobs_due ON inngest_executor.jobs (due_at, id);
  CREATE INDEX jobs_ckeys ON inngest_executor.jobs USING gin (ckeys);
  -- Pending waitForEvent steps (kind 'event') and cancelOn triggers (kind 'cancel').
  CREATE TABLE inngest_executor.waits (
    id bigserial PRIMARY KEY,
    run_id text NOT NULL,
    kind text NOT NULL,
    step_id text NOT NULL,
    event_name text NOT NULL,
    expression text,
    expires_at bigint,
    created_at bigint NOT NULL,
    UNIQUE (run_id, kind, step_id)
  );
  CREATE INDEX waits_event ON inngest_executor.waits (event_name);
  -- Step history for the dashboard (memoized state itself lives in runs.steps).
  CREATE TABLE inngest_executor.steps (
    seq bigserial,
    run_id text NOT NULL,
    step_id text NOT NULL,
    name text,
    op text NOT NULL,
    status text NOT NULL,
    attempt int NOT NULL DEFAULT 0,
    started_at bigint NOT NULL,
    ended_at bigint,
    output jsonb,
    error jsonb,
    PRIMARY KEY (run_id, step_id)
  );
  CREATE TABLE inngest_executor.crons (
    function_id text NOT NULL,
    cron text NOT NULL,
    next_at bigint NOT NULL,
    PRIMARY KEY (function_id, cron)
  );
  `,
  // waitForEvent look-back (waits.ts): where a call's look-back starts, and the events a run consumed.
  `
  ALTER TABLE inngest_executor.jobs ADD COLUMN since bigint;
  ALTER TABLE inngest_executor.runs ADD COLUMN consumed text[] NOT NULL DEFAULT '{}';
  `,
  // Indexes on tables that can be large when an instance upgrades are built CONCURRENTLY, so the
  // other instances keep ingesting events and finishing runs meanwhile.
  {
    index: "events_name_received",
    create: "CREATE INDEX CONCURRENTLY events_name_received ON inngest_executor.events (name, received_at, id)",
  },
  // Pruning (prune.ts) by age.
  { index: "events_received", create: "CREATE INDEX CONCURRENTLY events_received ON inngest_executor.events (received_at)" },
  { index: "runs_ended", create: "CREATE INDEX CONCURRENTLY runs_ended ON inngest_executor.runs (ended_at) WHERE ended_at IS NOT NULL" },
  // The claim takes each concurrency group's jobs oldest run first (scheduler.ts): runs are numbered
  // as they start (a sequence: many start in one millisecond, and test clocks stand still) and the
  // number travels with their jobs. Jobs queued before these columns existed go first (rank 0).
  `
  CREATE SEQUENCE inngest_executor.run_rank;
  ALTER TABLE inngest_executor.runs ADD COLUMN rank bigint;
  ALTER TABLE inngest_executor.jobs ADD COLUMN run_rank bigint;
  `,
  // A wait whose expression is one equality (waits.ts equalityFilter) keeps its JSON path and value,
  // so an event reads only the waits it can match instead of every wait on its name.
  `
  ALTER TABLE inngest_executor.waits ADD COLUMN match_path text[], ADD COLUMN match_value jsonb;
  `,
];

/** Runs outside a transaction; a build interrupted earlier left an invalid index, dropped first. */
async function createIndexConcurrently(client: pg.PoolClient, m: { index: string; create: string }): Promise<void> {
  const { rows } = await client.query<{ valid: boolean }>(
    `SELECT i.indisvalid AS valid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'inngest_executor' AND c.relname = $1`,
    [m.index],
  );
  if (rows[0]?.valid) return;
  if (rows[0]) await client.query(`DROP INDEX CONCURRENTLY inngest_executor.${m.index}`);
  await client.query(m.create);
}

/**
 * Waits for the migration lock by polling: a session blocked inside pg_advisory_lock holds a
 * snapshot, which a CREATE INDEX CONCURRENTLY in the lock holder would wait for (a deadlock).
 */
async function acquireMigrationLock(client: pg.PoolClient): Promise<void> {
  for (;;) {
    const { rows } = await client.query<{ ok: boolean }>("SELECT pg_try_advisory_lock(hashtext('inngest_executor.migrate')) AS ok");
    if (rows[0]?.ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Creates or upgrades the schema; an advisory lock keeps concurrent instances from racing. */
export async function migrate(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await acquireMigrationLock(client);
    await client.query("CREATE SCHEMA IF NOT EXISTS inngest_executor");
    await client.query("CREATE TABLE IF NOT EXISTS inngest_executor.meta (version int NOT NULL)");
    const { rows } = await client.query<{ version: number }>("SELECT version FROM inngest_executor.meta");
    let version = rows[0]?.version ?? 0;
    if (rows.length === 0) await client.query("INSERT INTO inngest_executor.meta (version) VALUES (0)");
    for (const m of migrations.slice(version)) {
      if (typeof m === "string") {
        await client.query("BEGIN");
        await client.query(m);
        await client.query("UPDATE inngest_executor.meta SET version = $1", [++version]);
        await client.query("COMMIT");
      } else {
        await createIndexConcurrently(client, m);
        await client.query("UPDATE inngest_executor.meta SET version = $1", [++version]);
      }
    }
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw err;
  } finally {
    await client.query("SELECT pg_advisory_unlock(hashtext('inngest_executor.migrate'))").catch(() => undefined);
    client.release();
  }
}
