/**
 * The embedded executor alone: a function of 5 no-op `step.run`s, served by the real SDK
 * (`inngest/node`) over loopback HTTP, driven by the executor on PostgreSQL, as in the app.
 *   event -> completed = the event is sent -> the run is marked completed
 *   event -> first step = the event is sent -> the first step body runs
 *   step call overhead = one step body ran -> the next one runs (executor round trip + SDK replay)
 *   process CPU = this process's CPU time (SDK, executor, HTTP both ways) per step
 * Scenarios: runs one at a time (unloaded latency), then all runs sent at once (throughput), each
 * in the SDK's classic mode (one step per request) and with checkpointing (several per request).
 * Run: npx tsx bench/executor.ts [runs=500] [classic|checkpointing (default: both)]
 */
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import { Inngest } from "inngest";
import { serve } from "inngest/node";
import pg from "pg";
import { createEmbeddedExecutor, type EmbeddedExecutor } from "@/inngest/executor";
import { benchDatabase, percentile } from "./lib";

const RUNS = Number(process.argv[2] ?? 500);
const MODES = process.argv[3] ? [process.argv[3] === "checkpointing"] : [false, true];
const SEQUENTIAL = 50;
const STEPS = 5;
const signingKey = `signkey-bench-${"b7".repeat(32)}`;
const quiet = { info() {}, warn() {}, error() {}, debug() {} };

/** SQL round trips by the executor (every pg client but the benchmark's own polling pool). */
let sqlQueries = 0;
const benchClients = new WeakSet<object>();
const clientQuery = pg.Client.prototype.query;
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  if (!benchClients.has(this)) sqlQueries++;
  return (clientQuery as (...a: unknown[]) => unknown).apply(this, args);
} as typeof clientQuery;

/** Step bodies' times per run id (performance.now()). */
const marks = new Map<string, number[]>();

const ms = (samples: number[]) => {
  const s = [...samples].sort((a, b) => a - b);
  return `p50 ${percentile(s, 50).toFixed(1)} ms, p99 ${percentile(s, 99).toFixed(1)} ms`;
};

async function toRequest(req: IncomingMessage): Promise<Request> {
  const chunks: Buffer[] = [];
  for await (const c of req as AsyncIterable<Buffer>) chunks.push(c);
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
  return new Request(`http://localhost${req.url}`, {
    method: req.method,
    headers,
    body: chunks.length ? Buffer.concat(chunks) : undefined,
  });
}

async function main() {
  const database = await benchDatabase();
  const pool = new pg.Pool({ connectionString: database.url, max: 2 });
  pool.on("connect", (c) => benchClients.add(c));
  let executor: EmbeddedExecutor | undefined;
  const server = createServer((req, res) => {
    const api = req.url?.startsWith("/e/") ? "event" : req.url?.startsWith("/v1/") ? "api" : undefined;
    if (!api) return void handler(req, res);
    void toRequest(req)
      .then((r) => (api === "event" ? executor!.handleEventApi(r) : executor!.handleApi(r)))
      .then(async (r) => {
        res.writeHead(r.status, { "content-type": "application/json" });
        res.end(await r.text());
      });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const inngest = new Inngest({ id: "bench", signingKey, eventKey: "bench", baseUrl: origin, isDev: false, logger: quiet });
  const fn = inngest.createFunction({ id: "five-steps", triggers: [{ event: "bench/run" }] }, async ({ step, runId }) => {
    for (let i = 0; i < STEPS; i++) {
      await step.run(`step-${i}`, () => {
        const list = marks.get(runId) ?? [];
        list.push(performance.now());
        marks.set(runId, list);
        return i;
      });
    }
    return "done";
  });
  const handler = serve({ client: inngest, functions: [fn] });

  /** Sends `count` events (in batches of `batch`) and waits until their runs end. */
  async function scenario(label: string, count: number, batch: number) {
    const sentAt = new Map<string, number>();
    /** performance.now() at send, on the same clock as the step marks. */
    const sentPerf = new Map<string, number>();
    const t0 = Date.now();
    const queries0 = sqlQueries;
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < count; i += batch) {
      const events = Array.from({ length: Math.min(batch, count - i) }, (_, j) => ({
        id: `${label}-${i + j}`,
        name: "bench/run",
        data: {},
      }));
      const at = Date.now();
      const atPerf = performance.now();
      await executor!.send(events);
      for (const e of events) {
        sentAt.set(e.id, at);
        sentPerf.set(e.id, atPerf);
      }
      if (batch === 1) await waitForRuns(label, i + 1);
    }
    const runs = await waitForRuns(label, count);
    const queries = sqlQueries - queries0;
    const cpu = process.cpuUsage(cpu0);
    const elapsed = (Math.max(...runs.map((r) => Number(r.ended_at))) - t0) / 1000;
    const latency = runs.map((r) => Number(r.ended_at) - sentAt.get(r.event_id)!);
    const gaps = runs.flatMap((r) => {
      const m = marks.get(r.id) ?? [];
      return m.slice(1).map((t, i) => t - m[i]!);
    });
    const firstStep = runs.flatMap((r) => {
      const first = marks.get(r.id)?.[0];
      return first === undefined ? [] : [first - sentPerf.get(r.event_id)!];
    });
    const failed = runs.filter((r) => r.status !== "completed").length;
    console.log(
      `[${label}] ${count} runs in ${elapsed.toFixed(1)} s = ${(count / elapsed).toFixed(1)} runs/s${failed ? ` (${failed} not completed!)` : ""}`,
    );
    console.log(`[${label}]   event -> completed : ${ms(latency)}`);
    console.log(`[${label}]   event -> first step: ${ms(firstStep)}`);
    console.log(`[${label}]   step call overhead : ${ms(gaps)} (${gaps.length} step-to-step gaps)`);
    console.log(`[${label}]   SQL round trips    : ${(queries / (count * STEPS)).toFixed(1)} per step (${queries} in all)`);
    // The one process runs the SDK's serve() and the executor (and the benchmark's polling), as the app does.
    console.log(`[${label}]   process CPU        : ${((cpu.user + cpu.system) / 1000 / (count * STEPS)).toFixed(2)} ms per step`);
  }

  async function waitForRuns(prefix: string, count: number) {
    for (;;) {
      const { rows } = await pool.query<{ id: string; status: string; ended_at: string; event_id: string }>(
        `SELECT id, status, ended_at, event->>'id' AS event_id FROM inngest_executor.runs
          WHERE event->>'id' LIKE $1 AND status <> 'running'`,
        [`${prefix}-%`],
      );
      if (rows.length >= count) return rows;
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  for (const checkpointing of MODES) {
    // As server/main.ts configures it (INNGEST_EXECUTOR_CONCURRENCY defaults to 32).
    executor = createEmbeddedExecutor({
      databaseUrl: database.url,
      serveUrl: `${origin}/api/inngest`,
      signingKey,
      eventKey: "bench",
      concurrency: 32,
      checkpointing,
    });
    await executor.start();
    const mode = checkpointing ? "checkpointing" : "classic";
    await scenario(`${mode}-warmup`, 20, 20);
    await scenario(`${mode}-one-at-a-time`, SEQUENTIAL, 1);
    await scenario(`${mode}-${RUNS}-at-once`, RUNS, RUNS);
    await executor.stop();
  }

  await pool.end();
  await new Promise<void>((r) => server.close(() => r()));
  server.closeAllConnections();
  await database.cleanup();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
