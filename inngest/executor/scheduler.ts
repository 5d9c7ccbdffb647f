import type { ExecutorContext } from "./context";
import { nextCronTime, parseCron } from "./cron";
import { runJob, type JobRow } from "./dispatch";
import { functionConfig, type StoredEvent } from "./protocol";
import { pruneOnce, type Retention } from "./prune";
import { createRun, tx, type Db } from "./state";

/**
 * The work loop: renew our leases, fire due crons, claim due jobs (FOR UPDATE SKIP LOCKED, with
 * per-key concurrency checked under an advisory lock) and run them without blocking the loop.
 */
export class Scheduler {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private ticking = false;
  private again = false;
  private readonly inflight = new Map<string, Promise<void>>();
  private readonly abort = new AbortController();

  private nextPruneAt = 0;
  private nextRenewAt = 0;
  private nextCronCheckAt = 0;

  constructor(
    private readonly ctx: ExecutorContext,
    private readonly opts: { capacity: number; pollMs: number; retention: Retention; pruneIntervalMs: number },
  ) {}

  start(): void {
    this.running = true;
    this.schedule(0);
  }

  /** Stops claiming and abandons in-flight calls; their leases expire and another instance resumes them. */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    this.abort.abort();
    await Promise.allSettled(this.inflight.values());
  }

  kick(): void {
    if (!this.running) return;
    if (this.ticking) this.again = true;
    else this.schedule(0);
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), ms);
  }

  private async tick(): Promise<void> {
    if (!this.running || this.ticking) return;
    this.ticking = true;
    this.again = false;
    try {
      await this.renewLeases();
      await this.fireCrons();
      await this.prune();
      const free = this.opts.capacity - this.inflight.size;
      const jobs = free > 0 ? await this.claim(free) : [];
      for (const job of jobs) this.launch(job);
      if (jobs.length === free && free > 0) this.again = true;
    } catch (err) {
      if (this.running) this.ctx.log.error({ err }, "inngest executor tick failed");
    } finally {
      this.ticking = false;
      if (this.running) this.schedule(this.again ? 0 : this.opts.pollMs);
    }
  }

  private launch(job: JobRow): void {
    const p = runJob(this.ctx, job, this.abort.signal)
      .then(async (after) => {
        if (after.failedEvents.length) await this.ctx.send(after.failedEvents);
      })
      .catch((err: unknown) => {
        if (!this.abort.signal.aborted) this.ctx.log.error({ err, jobId: job.id, runId: job.run_id }, "inngest job failed");
      })
      .finally(() => {
        this.inflight.delete(job.id);
        this.kick();
      });
    this.inflight.set(job.id, p);
  }

  /** Prunes at most once per interval on the executor's clock; a failure waits for the next turn. */
  private async prune(): Promise<void> {
    const now = this.ctx.clock.now();
    if (now < this.nextPruneAt) return;
    this.nextPruneAt = now + this.opts.pruneIntervalMs;
    await pruneOnce(this.ctx, this.opts.retention).catch((err: unknown) => this.ctx.log.error({ err }, "inngest executor prune failed"));
  }

  /**
   * Every in-flight job's lease is at least two thirds of its term ahead after this, so renewing a
   * third of a term apart is enough; renewing at every tick cost a commit per step.
   */
  private async renewLeases(): Promise<void> {
    const now = this.ctx.clock.now();
    if (this.inflight.size === 0 || now < this.nextRenewAt) return;
    await this.ctx.pool.query("UPDATE inngest_executor.jobs SET lease_until = $3 WHERE lease_owner = $1 AND id = ANY($2::bigint[])", [
      this.ctx.owner,
      [...this.inflight.keys()],
      now + this.ctx.leaseMs,
    ]);
    this.nextRenewAt = now + this.ctx.leaseMs / 3;
  }

  private claim(limit: number): Promise<JobRow[]> {
    return tx(this.ctx.pool, async (c) => {
      const now = this.ctx.clock.now();
      // Fairness: candidates are taken round-robin across concurrency-key groups, so one busy key
      // (a workspace with hundreds of queued steps) cannot fill the window and starve the others.
      // Within a group the oldest run's job goes first, as Inngest orders a function's queue by run
      // start: a run that is under way finishes before later runs take its slots, instead of every
      // run of a burst advancing one step per turn and all finishing at the burst's end. The outer
      // condition is re-checked on the locked row.
      const { rows } = await c.query<JobRow & { ckeys: string[]; climits: number[] }>(
        `WITH due AS (
           SELECT id, due_at, row_number() OVER (PARTITION BY ckeys ORDER BY coalesce(run_rank, 0), due_at, id) AS turn
             FROM inngest_executor.jobs
            WHERE due_at <= $1 AND (lease_until IS NULL OR lease_until < $1) AND id <> ALL($3::bigint[])
         ), picked AS (SELECT id, turn, due_at FROM due ORDER BY turn, due_at, id LIMIT $2)
         SELECT j.id, j.run_id, j.kind, j.step_id, j.attempt, j.due_at, j.since, j.ckeys, j.climits
           FROM inngest_executor.jobs j JOIN picked p ON p.id = j.id
          WHERE j.due_at <= $1 AND (j.lease_until IS NULL OR j.lease_until < $1)
          ORDER BY p.turn, p.due_at, p.id
            FOR UPDATE OF j SKIP LOCKED`,
        // Never a job this instance is still running, even if its lease ran out meanwhile (a stalled
        // event loop, or a test clock moved past it): its call is still in flight.
        [now, limit * 4, [...this.inflight.keys()]],
      );
      const inUse = await this.slotsInUse(c, rows, now);
      const claimed: JobRow[] = [];
      for (const job of rows) {
        if (claimed.length >= limit) break;
        // A call may start only while every concurrency key it carries has a free slot.
        if (job.ckeys.some((key, i) => (inUse.get(key) ?? 0) >= (job.climits[i] ?? 0))) continue;
        for (const key of job.ckeys) inUse.set(key, (inUse.get(key) ?? 0) + 1);
        claimed.push(job);
      }
      if (claimed.length > 0) {
        await c.query("UPDATE inngest_executor.jobs SET lease_owner = $2, lease_until = $3 WHERE id = ANY($1::bigint[])", [
          claimed.map((j) => j.id),
          this.ctx.owner,
          now + this.ctx.leaseMs,
        ]);
      }
      return claimed;
    });
  }

  /**
   * Slots taken per concurrency key of the candidates (calls holding a live lease). The keys are
   * locked first, in one sorted order for every instance (no deadlock), and stay locked until the
   * claim commits, so no other instance can take a slot meanwhile.
   */
  private async slotsInUse(c: Db, jobs: Array<{ ckeys: string[] }>, now: number): Promise<Map<string, number>> {
    const keys = [...new Set(jobs.flatMap((j) => j.ckeys))].sort();
    if (keys.length === 0) return new Map();
    await c.query("SELECT pg_advisory_xact_lock(hashtext(k)) FROM (SELECT k FROM unnest($1::text[]) k ORDER BY k) sorted", [keys]);
    const { rows } = await c.query<{ key: string; n: number }>(
      `SELECT k AS key, count(j.id)::int AS n FROM unnest($1::text[]) k
         LEFT JOIN inngest_executor.jobs j ON j.ckeys @> ARRAY[k] AND j.lease_until >= $2
        GROUP BY k`,
      [keys, now],
    );
    return new Map(rows.map((r) => [r.key, r.n]));
  }

  /** Crons have minute resolution: looking once a second spares every busy tick a transaction. */
  private async fireCrons(): Promise<void> {
    const checkAt = this.ctx.clock.now();
    if (checkAt < this.nextCronCheckAt) return;
    this.nextCronCheckAt = checkAt + 1_000;
    await tx(this.ctx.pool, async (c) => {
      const now = this.ctx.clock.now();
      const { rows } = await c.query<{ function_id: string; cron: string; next_at: string; config: unknown }>(
        `SELECT c.function_id, c.cron, c.next_at, f.config FROM inngest_executor.crons c
           JOIN inngest_executor.functions f ON f.id = c.function_id
          WHERE c.next_at <= $1 FOR UPDATE OF c SKIP LOCKED`,
        [now],
      );
      for (const row of rows) {
        const at = Number(row.next_at);
        const event: StoredEvent = {
          id: `cron:${row.function_id}:${row.cron}:${at}`,
          name: "inngest/scheduled.timer",
          data: { cron: row.cron },
          ts: at,
        };
        const fresh = await c.query(
          "INSERT INTO inngest_executor.events (id, name, payload, received_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
          [event.id, event.name, JSON.stringify(event), now],
        );
        if (fresh.rowCount) await createRun(c, functionConfig.parse(row.config), [event], now);
        // Missed fires while no instance ran are skipped, not replayed in a burst.
        await c.query("UPDATE inngest_executor.crons SET next_at = $3 WHERE function_id = $1 AND cron = $2", [
          row.function_id,
          row.cron,
          nextCronTime(parseCron(row.cron), Math.max(now, at)),
        ]);
      }
      if (rows.length) this.again = true;
    });
  }
}
