import type { Db } from "@/server/db";
import { AppError } from "@/server/errors";
import { logger } from "@/server/logger";
import { planOf } from "./plans";

/**
 * Per-workspace request limits on the REST API and on channel webhooks, in one-minute windows.
 * Each instance counts in memory and adds its count to the shared row (RateLimitWindow) about once
 * a second, so a request costs no database write: the first request of a window reads the shared
 * count once, later ones compare against that plus what this instance admitted since. With one
 * instance the limit is exact; with several, each may admit up to a second's worth of the others'
 * unflushed requests beyond it.
 */

export type RateBucket = "api" | "webhook";

const WINDOW_MS = 60_000;
const FLUSH_MS = 1_000;

type Counter = {
  db: Db;
  key: string;
  window: number;
  /** Every instance's count as of the last read or flush (this instance's flushed share included). */
  shared: number;
  /** Admitted here, not yet added to the shared row. */
  pending: number;
  /** Being added to the shared row right now. */
  flushing: number;
  plan: string | null;
  ready: Promise<void> | null;
  loaded: boolean;
};

function limitOf(plan: string, bucket: RateBucket): number {
  const limits = planOf(plan).limits;
  return bucket === "api" ? limits.apiRequestsPerMinute : limits.webhookRequestsPerMinute;
}

export class RateLimiter {
  private readonly counters = new Map<string, Counter>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  /** The newest window seen; counters two windows older are dropped once flushed. */
  private latest = 0;

  constructor(private readonly flushMs = FLUSH_MS) {}

  /** Admits one request for `workspace` (its plan is looked up once a window when not given) or throws RATE_LIMITED. */
  async check(db: Db, workspace: { id: string; plan?: string }, bucket: RateBucket, now = Date.now()): Promise<void> {
    const window = Math.floor(now / WINDOW_MS) * WINDOW_MS;
    this.latest = Math.max(this.latest, window);
    const key = `${bucket}:${workspace.id}`;
    const id = `${key}@${window}`;
    let c = this.counters.get(id);
    if (!c) {
      c = { db, key, window, shared: 0, pending: 0, flushing: 0, plan: null, ready: null, loaded: false };
      this.counters.set(id, c);
    }
    if (!c.loaded) {
      c.ready ??= this.load(c, workspace.id).finally(() => {
        if (c) c.ready = null;
      });
      await c.ready;
    }
    const limit = limitOf(workspace.plan ?? c.plan ?? "free", bucket);
    if (c.shared + c.flushing + c.pending >= limit) {
      const retryAfterSeconds = Math.max(1, Math.ceil((window + WINDOW_MS - now) / 1000));
      throw new AppError(
        "RATE_LIMITED",
        `Rate limit of ${limit} ${bucket === "api" ? "API requests" : "webhook requests"} a minute reached for this workspace. Retry in ${retryAfterSeconds} s, or upgrade the plan for a higher limit.`,
        { details: { limit, retryAfterSeconds } },
      );
    }
    c.pending += 1;
    this.schedule();
  }

  /** Adds every instance-local count to the shared rows now (also run by a timer about once a second). */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    this.flushing = this.flushAll().finally(() => (this.flushing = null));
    await this.flushing;
  }

  private async load(c: Counter, workspaceId: string): Promise<void> {
    const [row] = await c.db.$queryRaw<{ plan: string; count: number | null }[]>`
      SELECT w.plan, r.count FROM "Workspace" w
        LEFT JOIN "RateLimitWindow" r ON r.key = ${c.key} AND r."windowStart" = ${new Date(c.window)}
       WHERE w.id = ${workspaceId}`;
    if (!row) throw new AppError("NOT_FOUND", "Workspace not found.");
    c.plan = row.plan;
    c.shared = Math.max(c.shared, row.count ?? 0);
    c.loaded = true;
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flush().catch((err: unknown) => logger.warn({ err }, "rate-limit counts not flushed; retried in a second"));
    }, this.flushMs);
    this.timer.unref();
  }

  private async flushAll(): Promise<void> {
    const horizon = this.latest - 2 * WINDOW_MS;
    let failed = false;
    for (const [id, c] of this.counters) {
      if (c.pending > 0) {
        const delta = c.pending;
        c.pending = 0;
        c.flushing += delta;
        try {
          const [row] = await c.db.$queryRaw<{ count: number }[]>`
            INSERT INTO "RateLimitWindow" (key, "windowStart", count) VALUES (${c.key}, ${new Date(c.window)}, ${delta})
            ON CONFLICT (key, "windowStart") DO UPDATE SET count = "RateLimitWindow".count + EXCLUDED.count
            RETURNING count`;
          c.shared = row?.count ?? c.shared + delta;
        } catch (err) {
          c.pending += delta;
          failed = true;
          logger.warn({ err, key: c.key }, "rate-limit count not flushed");
        } finally {
          c.flushing -= delta;
        }
      }
      if (c.pending === 0 && c.window < horizon) this.counters.delete(id);
    }
    if (failed || [...this.counters.values()].some((c) => c.pending > 0)) this.schedule();
  }
}

const shared = new RateLimiter();

/** The process-wide limiter's check: see RateLimiter. */
export function checkRateLimit(db: Db, workspace: { id: string; plan?: string }, bucket: RateBucket, now = Date.now()): Promise<void> {
  return shared.check(db, workspace, bucket, now);
}

/** Writes this instance's unflushed counts now (tests, shutdown). */
export function flushRateLimits(): Promise<void> {
  return shared.flush();
}

/** Drops windows that ended a while ago. */
export async function pruneRateLimits(db: Db, now = Date.now()): Promise<number> {
  const { count } = await db.rateLimitWindow.deleteMany({ where: { windowStart: { lt: new Date(now - 10 * WINDOW_MS) } } });
  return count;
}
