import { createHash, randomUUID, timingSafeEqual } from "node:crypto";
import pg from "pg";
import { z } from "zod";
import { systemClock, type Clock } from "./clock";
import { silentLogger, type ExecutorContext, type ExecutorLogger } from "./context";
import { handleCheckpoint } from "./checkpoint";
import { ingestEvents } from "./ingest";
import { eventPayload, type EventPayload, type FunctionConfig } from "./protocol";
import { defaultRetention, type Retention } from "./prune";
import { getRun, listRuns, type ListRunsInput, type RunDetail, type RunView } from "./runs";
import { Scheduler } from "./scheduler";
import { migrate } from "./schema";
import { syncApp } from "./sync";

export { createTestClock, systemClock, type Clock, type TestClock } from "./clock";
export type { RunDetail, RunView, StepView, ListRunsInput, PendingJob, PendingWait } from "./runs";
export type { EventPayload } from "./protocol";

export type EmbeddedExecutorOptions = {
  databaseUrl: string;
  /** The app's `serve()` endpoint, e.g. http://127.0.0.1:3000/api/inngest. */
  serveUrl: string;
  signingKey: string;
  /** When set, the event API only accepts `/e/<eventKey>`. */
  eventKey?: string;
  clock?: Clock;
  log?: ExecutorLogger;
  /** Jobs this instance runs at once (default 16). */
  concurrency?: number;
  pollIntervalMs?: number;
  leaseMs?: number;
  requestTimeoutMs?: number;
  /**
   * Let the SDK run several steps per request and checkpoint them to `handleApi`. Only enable when
   * the Inngest client's `baseUrl` points at an origin that routes `/v1/*` to `handleApi`.
   */
  checkpointing?: boolean;
  /** Sync the app in start() (default true); instances joining a synced app may skip it. */
  syncOnStart?: boolean;
  /** How long events (their ids dedupe meanwhile; default 24 h) and finished runs (7 days) are kept. */
  retention?: Partial<Retention>;
  /** How often an instance prunes (default every minute, on the executor's clock). */
  pruneIntervalMs?: number;
};

export type EmbeddedExecutor = {
  /** Migrates the schema, syncs the app in-band and starts the work loop. */
  start(): Promise<void>;
  /** Stops claiming work and abandons in-flight calls (their leases let another instance resume). */
  stop(): Promise<void>;
  /** Re-reads the app's functions (after a deploy). */
  sync(): Promise<FunctionConfig[]>;
  send(events: EventPayload | EventPayload[]): Promise<{ ids: string[] }>;
  /** Inngest's event API: `POST /e/:key` with one event or an array; answers `{ ids, status }`. */
  handleEventApi(req: Request): Promise<Response>;
  /** Inngest's REST API subset the SDK calls back: `POST /v1/checkpoint/:runId/async`. */
  handleApi(req: Request): Promise<Response>;
  listRuns(input?: ListRunsInput): Promise<RunView[]>;
  getRun(runId: string): Promise<RunDetail | undefined>;
};

/** Constant-time comparison (of digests, so lengths never differ). */
function sameSecret(given: string, expected: string): boolean {
  const digest = (v: string) => createHash("sha256").update(v).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

const eventApiBody = z.union([z.array(eventPayload), eventPayload.transform((e) => [e])]);

export function createEmbeddedExecutor(opts: EmbeddedExecutorOptions): EmbeddedExecutor {
  const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: Math.max(4, (opts.concurrency ?? 16) + 2) });
  // A connection dropped by the server (restart, failover, PostgreSQL killed) must not crash the
  // process: pg emits 'error' on idle clients (re-emitted on the pool) and on checked-out clients
  // between queries. Each client logs its own; the pool then replaces it.
  pool.on("connect", (client) =>
    client.on("error", (err) => (opts.log ?? silentLogger).warn({ err }, "inngest executor: database connection lost")),
  );
  pool.on("error", () => undefined);
  const clock = opts.clock ?? systemClock;
  let scheduler: Scheduler | undefined;
  const ctx: ExecutorContext = {
    pool,
    clock,
    serveUrl: opts.serveUrl,
    signingKey: opts.signingKey,
    owner: randomUUID(),
    leaseMs: opts.leaseMs ?? 60_000,
    checkpointing: opts.checkpointing ?? false,
    requestTimeoutMs: opts.requestTimeoutMs ?? 60_000,
    log: opts.log ?? silentLogger,
    kick: () => scheduler?.kick(),
    send: (events) => ingestEvents(ctx, events),
  };
  let unsubscribe: (() => void) | undefined;
  let migrated: Promise<void> | undefined;
  const ready = () => (migrated ??= migrate(pool));

  return {
    async start() {
      await ready();
      if (opts.syncOnStart !== false) await syncApp(ctx);
      scheduler = new Scheduler(ctx, {
        capacity: opts.concurrency ?? 16,
        pollMs: opts.pollIntervalMs ?? 250,
        retention: { ...defaultRetention, ...opts.retention },
        pruneIntervalMs: opts.pruneIntervalMs ?? 60_000,
      });
      unsubscribe = clock.onAdvance?.(() => scheduler?.kick());
      scheduler.start();
    },
    async stop() {
      unsubscribe?.();
      await scheduler?.stop();
      scheduler = undefined;
      await pool.end();
    },
    async sync() {
      await ready();
      return syncApp(ctx);
    },
    async send(events) {
      await ready();
      return { ids: await ingestEvents(ctx, Array.isArray(events) ? events : [events]) };
    },
    async handleEventApi(req) {
      const key = /\/e\/([^/?]+)/.exec(new URL(req.url).pathname)?.[1];
      if (req.method !== "POST" || !key) return Response.json({ error: "POST /e/<event key>", status: 400 }, { status: 400 });
      if (opts.eventKey !== undefined && !sameSecret(decodeURIComponent(key), opts.eventKey)) {
        return Response.json({ error: "Unknown event key", status: 401 }, { status: 401 });
      }
      const body = eventApiBody.safeParse(await req.json().catch(() => undefined));
      if (!body.success) return Response.json({ error: `Invalid events: ${body.error.message}`, status: 400 }, { status: 400 });
      await ready();
      const ids = await ingestEvents(ctx, body.data);
      return Response.json({ ids, status: 200 });
    },
    async handleApi(req) {
      const m = /\/v1\/checkpoint\/([^/]+)\/async$/.exec(new URL(req.url).pathname);
      if (req.method !== "POST" || !m?.[1]) return Response.json({ error: "Not supported by the embedded executor" }, { status: 404 });
      await ready();
      return handleCheckpoint(ctx, req, decodeURIComponent(m[1]));
    },
    async listRuns(input) {
      await ready();
      return listRuns(pool, input);
    },
    async getRun(runId) {
      await ready();
      return getRun(pool, runId);
    },
  };
}
