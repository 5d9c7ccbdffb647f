import type { Db } from "@/server/db";
import { AppError } from "@/server/errors";
import { planOf } from "./plans";

/**
 * Per-workspace request limits on the REST API and on channel webhooks, counted in one-minute
 * windows in PostgreSQL so every app instance shares them (one upsert per request).
 */

export type RateBucket = "api" | "webhook";

const WINDOW_MS = 60_000;

export async function checkRateLimit(db: Db, workspace: { id: string; plan: string }, bucket: RateBucket, now = Date.now()): Promise<void> {
  const limits = planOf(workspace.plan).limits;
  const limit = bucket === "api" ? limits.apiRequestsPerMinute : limits.webhookRequestsPerMinute;
  const windowStart = new Date(Math.floor(now / WINDOW_MS) * WINDOW_MS);
  const key = `${bucket}:${workspace.id}`;
  const [row] = await db.$queryRaw<{ count: number }[]>`
    INSERT INTO "RateLimitWindow" (key, "windowStart", count) VALUES (${key}, ${windowStart}, 1)
    ON CONFLICT (key, "windowStart") DO UPDATE SET count = "RateLimitWindow".count + 1
    RETURNING count`;
  if ((row?.count ?? 0) > limit) {
    const retryAfterSeconds = Math.max(1, Math.ceil((windowStart.getTime() + WINDOW_MS - now) / 1000));
    throw new AppError(
      "RATE_LIMITED",
      `Rate limit of ${limit} ${bucket === "api" ? "API requests" : "webhook requests"} a minute reached for this workspace. Retry in ${retryAfterSeconds} s, or upgrade the plan for a higher limit.`,
      { details: { limit, retryAfterSeconds } },
    );
  }
}

/** Drops windows that ended a while ago. */
export async function pruneRateLimits(db: Db, now = Date.now()): Promise<number> {
  const { count } = await db.rateLimitWindow.deleteMany({ where: { windowStart: { lt: new Date(now - 10 * WINDOW_MS) } } });
  return count;
}
