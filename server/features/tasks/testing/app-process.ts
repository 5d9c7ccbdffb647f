/**
 * A whole Jace app instance in its own process, minus Next.js, for restart tests and the pipeline
 * benchmark. On PORT it serves what main.ts serves for tasks: the step functions (`serve()`), the
 * embedded executor's event API, runner enrollment and the runner gateway; and it runs the job
 * relay and the executor, wired from env exactly as main.ts wires them (DATABASE_URL, PORT,
 * AUTH_SECRET, APP_ENCRYPTION_KEY). Tunables come as one JSON argument:
 *   node --import tsx app-process.ts '{"pipeline":{"maxAnswerTokens":8},"executor":{"leaseMs":5000}}'
 * Prints {"ready":true,"url":...} on stdout once it takes work; "exit" on stdin, stdin closing or
 * SIGTERM stops it cleanly; SIGKILL is the crash the restart test is about.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createInterface } from "node:readline";
import { CONNECT_PATH, ENROLL_PATH } from "@jace/gpu-runner/protocol";
import { serve } from "inngest/node";
import { z } from "zod";
import { POST as enroll } from "@/app/api/runners/enroll/route";
import { CHECKPOINT_PATH, EXECUTOR_PATH, getInngest, inngestSettings, setEmbeddedExecutor } from "@/inngest/client";
import { createEmbeddedExecutor } from "@/inngest/executor";
import { createFunctions } from "@/inngest/functions";
import { executorRequestTimeoutMs } from "@/inngest/functions/tasks/pipeline";
import { createDb, setDb } from "@/server/db";
import { getEnv } from "@/server/env";
import { routeUpgrades } from "@/server/http-server";
import { logger } from "@/server/logger";
import { stopBus } from "@/server/runners/bus";
import { RunnerGateway } from "@/server/runners/gateway";
import { startTaskJobRelay } from "../job-relay";

const positive = z.number().int().positive();
export const appProcessOptions = z.object({
  pipeline: z
    .object({
      maxAnswerTokens: positive,
      perWorkspaceConcurrency: positive,
      globalConcurrency: positive,
      stepTimeoutMs: positive,
      retries: z.number().int().min(0).max(20),
    })
    .partial()
    .default({}),
  executor: z
    .object({ concurrency: positive, leaseMs: positive, pollIntervalMs: positive, checkpointing: z.boolean() })
    .partial()
    .default({}),
  gateway: z
    .object({ heartbeatIntervalMs: positive, leaseTtlMs: positive, sweepIntervalMs: positive, pingTimeoutMs: positive })
    .partial()
    .default({}),
});
export type AppProcessOptions = z.input<typeof appProcessOptions>;

async function toRequest(req: IncomingMessage): Promise<Request> {
  const chunks: Buffer[] = [];
  for await (const c of req as AsyncIterable<Buffer>) chunks.push(c);
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
  return new Request(`http://localhost${req.url ?? "/"}`, {
    method: req.method,
    headers,
    body: chunks.length ? Buffer.concat(chunks) : undefined,
  });
}

function respond(res: ServerResponse, work: Promise<Response>): void {
  void work
    .then(async (r) => {
      res.writeHead(r.status, Object.fromEntries(r.headers));
      res.end(Buffer.from(await r.arrayBuffer()));
    })
    .catch((err: unknown) => {
      logger.error({ err }, "request failed");
      if (!res.headersSent) res.writeHead(500).end();
    });
}

const opts = appProcessOptions.parse(JSON.parse(process.argv[2] ?? "{}"));
const env = getEnv();
const db = createDb(env.DATABASE_URL!);
setDb(db);
const settings = inngestSettings(env);
const inngest = getInngest();
const functions = serve({ client: inngest, functions: createFunctions(inngest, { pipeline: opts.pipeline }) });
const executor = createEmbeddedExecutor({
  databaseUrl: env.DATABASE_URL!,
  serveUrl: settings.serveUrl,
  signingKey: settings.signingKey!,
  eventKey: settings.eventKey,
  concurrency: opts.executor.concurrency ?? env.INNGEST_EXECUTOR_CONCURRENCY,
  checkpointing: opts.executor.checkpointing ?? env.INNGEST_EXECUTOR_CHECKPOINTING,
  leaseMs: opts.executor.leaseMs,
  pollIntervalMs: opts.executor.pollIntervalMs,
  requestTimeoutMs: executorRequestTimeoutMs(opts.pipeline),
  log: logger.child({ component: "inngest-executor" }),
});
const gateway = new RunnerGateway(db, logger, opts.gateway);
await gateway.start();

const server = createServer((req, res) => {
  const url = req.url ?? "/";
  if (url.startsWith(EXECUTOR_PATH))
    return respond(
      res,
      toRequest(req).then((r) => executor.handleEventApi(r)),
    );
  if (url.startsWith(CHECKPOINT_PATH))
    return respond(
      res,
      toRequest(req).then((r) => executor.handleApi(r)),
    );
  if (url.startsWith("/api/inngest")) return void functions(req, res);
  if (req.method === "POST" && url === ENROLL_PATH) return respond(res, toRequest(req).then(enroll));
  if (url === "/api/health") return void res.end('{"status":"ok"}');
  res.writeHead(404).end();
});
server.on(
  "upgrade",
  routeUpgrades({ [CONNECT_PATH]: gateway.handleUpgrade }, (_req, socket) => socket.destroy()),
);
await new Promise<void>((resolve, reject) => {
  server.once("error", reject);
  server.listen(env.PORT, "127.0.0.1", resolve);
});
const stopRelay = startTaskJobRelay(db, { flushMs: 50 });
await executor.start();
setEmbeddedExecutor(executor);
process.stdout.write(JSON.stringify({ ready: true, url: `http://127.0.0.1:${env.PORT}` }) + "\n");

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  setTimeout(() => process.exit(1), 15_000).unref();
  await executor.stop();
  await stopRelay();
  await gateway.stop();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await stopBus();
  await db.$disconnect();
  process.exit(0);
}
process.once("SIGTERM", () => void stop());
// Stdin closes when the parent dies: no instance outlives a crashed test or benchmark.
createInterface({ input: process.stdin })
  .on("line", (line) => {
    if (line === "exit") void stop();
  })
  .on("close", () => void stop());
