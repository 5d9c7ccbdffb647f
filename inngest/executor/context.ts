import type pg from "pg";
import type { Clock } from "./clock";
import type { EventPayload } from "./protocol";

/** pino-compatible subset, so the app can pass its logger and tests can pass nothing. */
export type ExecutorLogger = {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
};

export const silentLogger: ExecutorLogger = { debug() {}, info() {}, warn() {}, error() {} };

/** What the executor's parts share; built once in index.ts. */
export type ExecutorContext = {
  pool: pg.Pool;
  clock: Clock;
  serveUrl: string;
  signingKey: string;
  /** Identifies this instance in job leases. */
  owner: string;
  leaseMs: number;
  /** Send `ctx.fn_id`/`qi_id` so the SDK checkpoints to `handleApi` (needs the client's baseUrl on us). */
  checkpointing: boolean;
  requestTimeoutMs: number;
  log: ExecutorLogger;
  /** Ask the scheduler to look for due work now rather than at the next poll. */
  kick(): void;
  send(events: EventPayload[]): Promise<string[]>;
};

/** Exponential backoff with jitter for retried steps and calls, capped at one hour. */
export function backoffMs(attempt: number): number {
  const base = Math.min(1000 * 2 ** attempt, 3_600_000);
  return Math.round(base * (0.75 + Math.random() * 0.25));
}

/**
 * Retry-After as seconds or a date (RFC 3339 or HTTP-date); undefined when absent or invalid. A
 * date is measured against `now` on the executor's clock, like every other due time.
 */
export function retryAfterMs(header: string | null, now: number): number | undefined {
  if (!header) return undefined;
  if (/^\d+(\.\d+)?$/.test(header.trim())) return Number(header) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
