import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Inngest, type InngestFunction } from "inngest";
import { serve } from "inngest/node";
import pg from "pg";
import { inject } from "vitest";
import { createTestClock, type TestClock } from "./clock";
import { createEmbeddedExecutor, type EmbeddedExecutor, type EmbeddedExecutorOptions, type RunDetail } from "./index";

/** The SDK logs every step error it reports; the tests assert on outcomes instead. */
const quiet = { info() {}, warn() {}, error() {}, debug() {} };

export const signingKey = `signkey-test-${"5e".repeat(32)}`;

/** A scratch database per harness, on the test run's PostgreSQL server, so test files never share a queue. */
async function scratchDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const base = new URL(inject("databaseUrl"));
  const name = `inngest_exec_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: base.toString() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: base.toString() });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

export type Harness = {
  inngest: Inngest;
  executor: EmbeddedExecutor;
  clock: TestClock;
  serveUrl: string;
  databaseUrl: string;
  /** Another executor instance on the same database and app (crash/multi-instance tests). */
  newExecutor(overrides?: Partial<EmbeddedExecutorOptions>): EmbeddedExecutor;
  waitForRun(predicate: (runs: RunDetail[]) => boolean, timeoutMs?: number): Promise<RunDetail[]>;
  close(): Promise<void>;
};

/**
 * Serves `functions` with the real SDK (`inngest/node`) on an ephemeral port, routes `/e/:key`
 * to the executor's event API, and starts an executor on a fresh database with a test clock.
 */
export async function startHarness(
  define: (inngest: Inngest) => InngestFunction.Any[],
  opts: { executorSigningKey?: string; executor?: Partial<EmbeddedExecutorOptions> } = {},
): Promise<Harness> {
  const db = await scratchDatabase();
  const clock = createTestClock();
  let executor: EmbeddedExecutor | undefined;
  const server: Server = createServer((req, res) => {
    const api = req.url?.startsWith("/e/") ? "event" : req.url?.startsWith("/v1/") ? "api" : undefined;
    if (api) {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const headers = new Headers(
          Object.entries(req.headers).flatMap(([k, v]) => (typeof v === "string" ? [[k, v] as [string, string]] : [])),
        );
        const request = new Request(`http://localhost${req.url}`, { method: req.method, headers, body: Buffer.concat(chunks) });
        const e = executor!;
        // A call that fails (the executor stopped while the SDK still sends events) is answered,
        // as the app's route does: left open, it held close() until the hook timed out.
        void (api === "event" ? e.handleEventApi(request) : e.handleApi(request))
          .catch((error: unknown) => Response.json({ error: String(error), status: 503 }, { status: 503 }))
          .then(async (r) => {
            res.writeHead(r.status, { "content-type": "application/json" });
            res.end(await r.text());
          });
      });
      return;
    }
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const inngest = new Inngest({
    id: `exec-test-${Math.random().toString(36).slice(2, 8)}`,
    signingKey,
    eventKey: "test-event-key",
    baseUrl: origin,
    isDev: false,
    logger: quiet,
  });
  const handler = serve({ client: inngest, functions: define(inngest) });
  const serveUrl = `${origin}/api/inngest`;
  const executors: EmbeddedExecutor[] = [];
  const newExecutor = (overrides: Partial<EmbeddedExecutorOptions> = {}) => {
    const e = createEmbeddedExecutor({
      databaseUrl: db.url,
      serveUrl,
      signingKey: opts.executorSigningKey ?? signingKey,
      clock,
      pollIntervalMs: 20,
      leaseMs: 30_000,
      ...opts.executor,
      ...overrides,
    });
    executors.push(e);
    return e;
  };
  executor = newExecutor();
  await executor.start();
  const current = () => executor!;
  return {
    inngest,
    clock,
    serveUrl,
    databaseUrl: db.url,
    newExecutor,
    get executor() {
      return current();
    },
    set executor(e) {
      executor = e;
    },
    async waitForRun(predicate, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const runs = await Promise.all((await current().listRuns({ limit: 500 })).map(async (r) => (await current().getRun(r.id))!));
        if (predicate(runs)) return runs;
        if (Date.now() > deadline)
          throw new Error(
            `timed out waiting for runs; have ${JSON.stringify(runs.map((r) => ({ fn: r.functionId, status: r.status, error: r.error })))}`,
          );
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async close() {
      for (const e of executors) await e.stop().catch(() => undefined);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      await db.drop();
    },
  } as Harness;
}

export function deferred<T = void>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/**
 * Steps that hold until the test lets them go, to see how many run at once without relying on
 * timing: a step calls `enter(key)`; `run(total, first)` waits until `first` steps are held at once
 * (so that many must be allowed together), then keeps freeing whatever is held until `total`
 * steps have run. Each batch waits a moment first, so a step over a limit would be seen.
 */
export function stepGate() {
  const held: Array<() => void> = [];
  const active: Record<string, number> = {};
  const maxPerKey: Record<string, number> = {};
  let maxTotal = 0;
  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
  return {
    maxPerKey,
    get maxTotal() {
      return maxTotal;
    },
    async enter(key: string): Promise<void> {
      active[key] = (active[key] ?? 0) + 1;
      maxPerKey[key] = Math.max(maxPerKey[key] ?? 0, active[key]);
      maxTotal = Math.max(
        maxTotal,
        Object.values(active).reduce((a, b) => a + b, 0),
      );
      await new Promise<void>((release) => held.push(release));
      active[key]--;
    },
    async run(total: number, first: number, timeoutMs = 30_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      let released = 0;
      while (released < total) {
        const want = released === 0 ? first : 1;
        while (held.length < want) {
          if (Date.now() > deadline) throw new Error(`stepGate: ${held.length} steps held, waiting for ${want}; ${released}/${total} ran`);
          await pause(20);
        }
        await pause(100);
        const batch = held.splice(0);
        batch.forEach((release) => release());
        released += batch.length;
      }
    },
  };
}
