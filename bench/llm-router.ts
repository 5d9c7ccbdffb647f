/**
 * The model router (server/llm/router.ts) and its OpenAI-compatible endpoint, against a real
 * `jace-runner` process on the tiny CPU model and the loopback OpenAI fake (test/fakes/openai.ts).
 *   (a) router overhead per call: `complete()` minus the provider call it wraps, measured in pairs
 *       (the provider function alone, then `complete()`, same request), for the cloud path on
 *       Jace's key (with and without a workspace budget) and on the workspace's own key, and for
 *       the runner path (where each call's time outside its job's wall time is compared, which
 *       takes the model's jitter out). Goal: p50 <= 2 ms. Also: calls 150 ms apart (a server that
 *       is not busy), the database statements per call and how long the call waited on them, each
 *       statement's own time run back to back, and a round trip's cost back to back and after idling.
 *       The OpenAI fake runs in a process of its own, as OpenAI would.
 *   (b) streaming overhead: tokens/s a client reads from POST /api/v1/chat/completions (stream)
 *       against tokens/s from the runner service directly (`dispatchStreaming`), same prompt,
 *       seed and maxTokens, alternating; rates span first to last token, and the overhead is the
 *       median of each adjacent pair's difference (the model's speed drifts with machine load). Goal: <= 5%.
 *   (c) a mix of 100 calls with one runner (one job at a time): local-mappable models, `smart`
 *       (cloud only), and cloud-allowed calls arriving while the runner is busy; the share served
 *       locally and the cost against the ledger's cloud-only baseline (and against each requested
 *       model's own cloud model).
 * Run: npx tsx bench/llm-router.ts [pairs=500] [streamTokens=1500] [streamRounds=7]   (BENCH_THREADS: llama.cpp threads, default 1)
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import pg from "pg";
import { POST as chatCompletions } from "@/app/api/v1/chat/completions/route";
import { writeTinyGguf } from "@/gpu-runner/scripts/make-tiny-gguf";
import type { InferenceSpec } from "@jace/gpu-runner/protocol";
import { Prisma, sqlRows } from "@/server/db";
import { getEnv, overrideEnv } from "@/server/env";
import { createApiKey } from "@/server/features/api-keys/api-keys";
import { monthStart, reserveBudget } from "@/server/llm/budgets";
import { cloudCostMicros, resolvePricing } from "@/server/llm/pricing";
import { callOpenAI } from "@/server/llm/providers/openai";
import { callRunner } from "@/server/llm/providers/runner";
import { removeOpenAIKey, saveOpenAIKey } from "@/server/llm/credentials";
import { recordCall } from "@/server/llm/ledger";
import { breaker, complete, planRoute } from "@/server/llm/router";
import type { LlmRequest, RoutingPolicy } from "@/server/llm/types";
import { logger } from "@/server/logger";
import { createEnrollmentToken } from "@/server/runners/enrollment";
import { awaitJobResult, dispatchStreaming } from "@/server/runners/jobs";
import { startOpenAIFake } from "@/test/fakes/openai";
import { benchRunnerApp, percentile } from "./lib";

const PAIRS = Number(process.argv[2] ?? 500);
const STREAM_TOKENS = Number(process.argv[3] ?? 1500);
const ROUNDS = Number(process.argv[4] ?? 7);
/**
 * Calls before the router figures count: the overhead keeps falling for the first thousand or so
 * calls of a process (about 2.0 ms over the first 600 here, 1.4-1.6 ms from the 1,200th on) as V8
 * optimises the path through the router, pg, undici and the openai SDK. A server makes millions.
 */
const WARMUP = Number(process.env.BENCH_WARMUP ?? 1500);
const THREADS = String(Number(process.env.BENCH_THREADS ?? 1));
const runnerBin = resolve(import.meta.dirname, "../gpu-runner/bin/jace-runner.js");

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return `p50 ${percentile(s, 50).toFixed(2)} ms, p99 ${percentile(s, 99).toFixed(2)} ms (n=${s.length})`;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const usd = (micros: number) => `$${(micros / 1e6).toFixed(4)}`;

/** The chat completions route on a loopback server, bodies streamed as produced (as Next serves them). */
async function serveEndpoint(): Promise<{ url: string; close: () => Promise<void> }> {
  let base = "";
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const request = new Request(base + (req.url ?? "/"), {
      method: req.method,
      headers: req.headers as Record<string, string>,
      body: chunks.length ? Buffer.concat(chunks) : undefined,
    });
    const response = await chatCompletions(request);
    res.writeHead(response.status, Object.fromEntries(response.headers));
    const reader = response.body?.getReader();
    for (let part = await reader?.read(); part && !part.done; part = await reader!.read()) res.write(part.value);
    res.end();
  };
  const server = createServer((req, res) => void handle(req, res).catch(() => res.destroy()));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url: base, close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))) };
}

/** Streams one completion with fetch and a minimal SSE reader: content-chunk times and the usage. */
async function streamThroughEndpoint(url: string, secret: string, body: object) {
  const res = await fetch(`${url}/api/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
    body: JSON.stringify({ ...body, stream: true, stream_options: { include_usage: true } }),
  });
  if (!res.ok || !res.body) throw new Error(`endpoint answered ${res.status}: ${await res.text()}`);
  const decoder = new TextDecoder();
  let buffered = "";
  let first = 0;
  let last = 0;
  let completionTokens = 0;
  for await (const bytes of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffered += decoder.decode(bytes, { stream: true });
    let end: number;
    while ((end = buffered.indexOf("\n\n")) >= 0) {
      const event = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      if (!event.startsWith("data: ") || event === "data: [DONE]") continue;
      const chunk = JSON.parse(event.slice(6)) as {
        choices: { delta: { content?: string } }[];
        usage?: { completion_tokens: number } | null;
        error?: { message: string };
      };
      if (chunk.error) throw new Error(chunk.error.message);
      if (chunk.choices[0]?.delta.content) {
        last = performance.now();
        first ||= last;
      }
      if (chunk.usage) completionTokens = chunk.usage.completion_tokens;
    }
  }
  return { rate: completionTokens / ((last - first) / 1000), tokens: completionTokens };
}

async function main() {
  // The mix fails over on purpose; its "model call failed over" warnings are not news here.
  logger.level = "error";
  const { db, app, ws, actor, close } = await benchRunnerApp("Router");
  const fake = await openAIFakeProcess();
  overrideEnv({ OPENAI_BASE_URL: `${fake.url}/v1`, OPENAI_API_KEY: "sk-bench-router-000000000000" });
  const root = mkdtempSync(join(tmpdir(), "jace-bench-router-"));
  const modelsDir = join(root, "models");
  mkdirSync(modelsDir);
  mkdirSync(join(root, "work"));
  await writeTinyGguf(join(modelsDir, "tiny.gguf"), { seed: 1 });

  // One runner, one job at a time.
  const { token } = await createEnrollmentToken(db, ws.id, actor, null, { labels: [] });
  const dirs = ["--config-dir", join(root, "cfg"), "--models-dir", modelsDir, "--work-dir", join(root, "work"), "--threads", THREADS];
  await new Promise<void>((ok, fail) =>
    spawn(process.execPath, [runnerBin, "enroll", "--server", app.url, "--name", "bench", ...dirs, "--max-jobs", "1"], {
      env: { ...process.env, JACE_RUNNER_TOKEN: token },
      stdio: "ignore",
    }).once("exit", (c) => (c === 0 ? ok() : fail(new Error(`enroll exited ${c}`)))),
  );
  const runner: ChildProcess = spawn(process.execPath, [runnerBin, "start", "--config-dir", join(root, "cfg")], { stdio: "ignore" });
  const runnerRow = await db.runner.findFirstOrThrow({ where: { workspaceId: ws.id } });
  for (let i = 0; (await db.runner.findUniqueOrThrow({ where: { id: runnerRow.id } })).status !== "online"; i++) {
    if (i > 300) throw new Error("the runner did not come online");
    await new Promise((r) => setTimeout(r, 100));
  }

  const messages = [{ role: "user" as const, content: "Say hello." }];
  const base: LlmRequest = { workspaceId: ws.id, model: "smart", messages, maxTokens: 16 };
  const env = getEnv();

  // (a) router overhead, cloud path: callOpenAI alone, then complete() that makes the same call.
  // Beside the latencies, the statements sent to the database while complete() runs (this
  // process's pg clients; the app's background work in that time included): a figure the
  // machine's other load does not move.
  // Their time (send to result, the statements of one call run one after another) splits the
  // overhead into waiting on the database and the router's own work in this process.
  let statements = 0;
  let statementMs: number[] = [];
  let counting = false;
  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    if (!counting) return (query as (...a: unknown[]) => unknown).apply(this, args);
    statements += 1;
    const t = performance.now();
    const n = statementMs.push(0) - 1;
    const done = () => void (statementMs[n] = performance.now() - t);
    // The pool passes a callback; Prisma's adapter takes the promise.
    const cb = args.at(-1);
    if (typeof cb === "function") {
      args[args.length - 1] = (...r: unknown[]) => (done(), (cb as (...a: unknown[]) => unknown)(...r));
      return (query as (...a: unknown[]) => unknown).apply(this, args);
    }
    const result = (query as (...a: unknown[]) => unknown).apply(this, args);
    if (result instanceof Promise) void result.then(done, done);
    return result;
  } as typeof query;
  /** `gapMs`: a pause before each pair, as between the calls of a server that is not busy. */
  const cloudPairs = async (label: string, { gapMs = 0, pairs = PAIRS, warmup = WARMUP } = {}) => {
    const overhead: number[] = [];
    const inDb: number[][] = [];
    statements = 0;
    for (let i = -warmup; i < pairs; i++) {
      if (gapMs) await new Promise((r) => setTimeout(r, gapMs));
      const t0 = performance.now();
      await callOpenAI({ apiKey: env.OPENAI_API_KEY!, baseUrl: env.OPENAI_BASE_URL, model: "gpt-4o", messages, maxTokens: 16 });
      const t1 = performance.now();
      counting = i >= 0;
      statementMs = [];
      await complete(db, base);
      counting = false;
      const t2 = performance.now();
      if (i >= 0) overhead.push(t2 - t1 - (t1 - t0));
      if (i >= 0) inDb.push(statementMs);
    }
    console.log(
      `(a) router overhead, cloud (${label}): ${stats(overhead)}; ${(statements / pairs).toFixed(2)} database statements per call, ` +
        `waited on p50 ${median(inDb.map((xs) => xs.reduce((a, b) => a + b, 0))).toFixed(2)} ms ` +
        `(one by one: ${Array.from({ length: Math.round(statements / pairs) }, (_, k) => median(inDb.flatMap((xs) => (k < xs.length ? [xs[k]!] : []))).toFixed(2)).join(", ")} ms)`,
    );
  };
  // Every workspace on Jace's key has a "plan" budget (the plan's included cloud allowance): reserve + settle.
  await cloudPairs("Jace's key: plan allowance");
  await cloudPairs("Jace's key: plan allowance, calls 150 ms apart", { gapMs: 150, pairs: 100, warmup: 5 });
  await db.budget.create({ data: { workspaceId: ws.id, scope: "workspace", monthlyLimitMicros: 1e9, periodStart: monthStart() } });
  await cloudPairs("Jace's key: plan allowance + workspace budget");
  await db.budget.deleteMany({ where: { workspaceId: ws.id } });
  await saveOpenAIKey(db, ws.id, actor, null, env.OPENAI_API_KEY!);
  await cloudPairs("workspace's own key, no budget");
  await removeOpenAIKey(db, ws.id, actor, null);

  // Where the cloud path's time goes: the router's own database round trips, one at a time.
  const timed = async (fn: () => Promise<unknown>) => {
    const xs: number[] = [];
    for (let i = -10; i < PAIRS; i++) {
      const t = performance.now();
      await fn();
      if (i >= 0) xs.push(performance.now() - t);
    }
    return `p50 ${percentile(
      xs.sort((a, b) => a - b),
      50,
    ).toFixed(2)} ms`;
  };
  const plan = await planRoute(db, base);
  const reserve = () => reserveBudget(db, ws.id, null, 1000, { planAllowanceMicros: 5_000_000 });
  const reservations = await Promise.all(Array.from({ length: PAIRS + 10 }, reserve));
  const entry = {
    provider: "openai" as const,
    model: "gpt-4o",
    promptTokens: 10,
    completionTokens: 10,
    runnerId: null,
    gpuSeconds: 0,
    costMicros: 125,
    keySource: "system" as const,
    latencyMs: 1,
    attempts: [],
    status: "succeeded" as const,
  };
  console.log(
    `    of which: planRoute ${await timed(() => planRoute(db, base))}, ` +
      `reserve ${await timed(reserve)}, ` +
      `ledger row + settle ${await timed(() => recordCall(db, base, plan, entry, { reservation: reservations.pop()!, actualMicros: 125 }))}`,
  );
  // What one round trip costs depends on what the machine did just before: on a VM whose CPUs went
  // idle, waking the database backend and this process adds to it. The calls above ran back to
  // back; a server taking sporadic calls pays the idle figure on each of the router's statements.
  const roundTrip = async (gapMs: number) => {
    const xs: number[] = [];
    for (let i = -2; i < 40; i++) {
      if (gapMs) await new Promise((r) => setTimeout(r, gapMs));
      const t = performance.now();
      await sqlRows(db, Prisma.sql`SELECT 1 AS one`);
      if (i >= 0) xs.push(performance.now() - t);
    }
    return median(xs).toFixed(2);
  };
  console.log(`    one round trip (SELECT 1): p50 ${await roundTrip(0)} ms back to back, ${await roundTrip(150)} ms after 150 ms idle`);
  await db.modelCall.deleteMany({ where: { workspaceId: ws.id } });
  await db.budget.deleteMany({ where: { workspaceId: ws.id } });

  // (a) runner path: callRunner alone and complete(), in pairs. The tiny model's own jitter is
  // larger than the router's work, so besides the medians of the two, each call's time outside its
  // job's wall time on the runner is compared: that takes the model's time out of both.
  const providerAlone: number[] = [];
  const viaRouter: number[] = [];
  const aloneOutsideJob: number[] = [];
  const routedOutsideJob: number[] = [];
  const local = { ...base, model: "tiny", maxTokens: 4, temperature: 0.8, seed: 7 };
  const runnerPairs = Math.max(20, Math.floor(PAIRS / 2));
  const timedCall = async (fn: () => Promise<unknown>) => {
    const t = performance.now();
    await fn();
    return performance.now() - t;
  };
  const wallMs = (job: { usage: unknown }) => ((job.usage as { wallSeconds?: number } | null)?.wallSeconds ?? 0) * 1000;
  for (let i = -6; i < runnerPairs; i++) {
    // Which of the two goes first alternates: a job that directly follows another finds the runner
    // still reporting the previous one, and that should not count against either.
    const routedFirst = i % 2 !== 0;
    const alone = () => timedCall(() => callRunner(db, { ...local, queueTimeoutMs: 60_000, timeoutMs: 60_000 }));
    const routed = () => timedCall(() => complete(db, local));
    const first = await (routedFirst ? routed() : alone());
    const second = await (routedFirst ? alone() : routed());
    const [later, earlier] = await db.runnerJob.findMany({ where: { workspaceId: ws.id }, orderBy: { createdAt: "desc" }, take: 2 });
    if (i < 0) continue;
    const [routerMs, providerMs] = routedFirst ? [first, second] : [second, first];
    const [routerJob, providerJob] = routedFirst ? [earlier!, later!] : [later!, earlier!];
    providerAlone.push(providerMs);
    viaRouter.push(routerMs);
    aloneOutsideJob.push(providerMs - wallMs(providerJob));
    routedOutsideJob.push(routerMs - wallMs(routerJob));
  }
  // What complete() adds around the job when the route's runner list is fresh (it is picked from
  // the plan, so there is no query of its own): the route and the ledger row.
  const runnerRouterWork = await timed(async () => {
    await planRoute(db, local);
    await recordCall(db, local, plan, { ...entry, provider: "runner", model: "tiny", keySource: null });
  });
  console.log(
    `(a) router overhead, runner: median complete() ${median(viaRouter).toFixed(2)} ms - median callRunner() ` +
      `${median(providerAlone).toFixed(2)} ms = ${(median(viaRouter) - median(providerAlone)).toFixed(2)} ms (n=${viaRouter.length} pairs)`,
  );
  console.log(
    `    outside the job's wall time on the runner: complete() p50 ${median(routedOutsideJob).toFixed(2)} ms - callRunner() p50 ` +
      `${median(aloneOutsideJob).toFixed(2)} ms = ${(median(routedOutsideJob) - median(aloneOutsideJob)).toFixed(2)} ms ` +
      `(the rest is the runner service and its relay: callRunner() ${stats(aloneOutsideJob)})`,
  );
  console.log(`    the router's own database work on this path (planRoute, ModelCall insert): ${runnerRouterWork}`);

  // (b) streaming: the endpoint vs the runner service, alternating rounds after one warm-up each.
  const endpoint = await serveEndpoint();
  const { secret } = await createApiKey(db, ws.id, actor, null, "bench");
  const spec: InferenceSpec = { kind: "inference", model: "tiny", messages, maxTokens: STREAM_TOKENS, temperature: 0.8, seed: 7 };
  const direct: number[] = [];
  const viaEndpoint: number[] = [];
  // This process's CPU per token on each path (the client's SSE parsing included for the endpoint):
  // unlike tokens/s, it does not move with the machine's other load.
  const cpuDirect: number[] = [];
  const cpuEndpoint: number[] = [];
  const cpuMicros = (since: NodeJS.CpuUsage) => {
    const u = process.cpuUsage(since);
    return u.user + u.system;
  };
  for (let i = 0; i <= ROUNDS; i++) {
    const c0 = process.cpuUsage();
    const { jobId, events } = await dispatchStreaming(db, ws.id, spec, { queueTimeoutMs: 60_000 });
    let first = 0;
    let last = 0;
    for await (const e of events) {
      if (e.type !== "chunk" || e.stream !== "token") continue;
      last = performance.now();
      first ||= last;
    }
    const result = await awaitJobResult(db, ws.id, jobId);
    if (result.status !== "succeeded") throw new Error(`direct job ${result.status}: ${result.error}`);
    const directCpu = cpuMicros(c0);
    const c1 = process.cpuUsage();
    const viaApi = await streamThroughEndpoint(endpoint.url, secret, {
      model: "tiny",
      messages,
      max_tokens: STREAM_TOKENS,
      temperature: 0.8,
      seed: 7,
    });
    const endpointCpu = cpuMicros(c1);
    if (i === 0) continue;
    direct.push(result.usage!.completionTokens / ((last - first) / 1000));
    viaEndpoint.push(viaApi.rate);
    cpuDirect.push(directCpu / result.usage!.completionTokens);
    cpuEndpoint.push(endpointCpu / viaApi.tokens);
  }
  const list = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(", ");
  const pairOverhead = median(direct.map((d, i) => ((d - viaEndpoint[i]!) / d) * 100));
  console.log(`(b) runner service directly : ${median(direct).toFixed(0)} tokens/s (median of ${list(direct)})`);
  console.log(`    through the endpoint    : ${median(viaEndpoint).toFixed(0)} tokens/s (median of ${list(viaEndpoint)})`);
  console.log(
    `    endpoint overhead       : ${pairOverhead.toFixed(1)}% (median of ${ROUNDS} pairs; ${STREAM_TOKENS} max tokens, ${THREADS} threads)`,
  );
  console.log(
    `    app CPU per token       : direct ${median(cpuDirect).toFixed(0)} us, endpoint ${median(cpuEndpoint).toFixed(0)} us (client parsing included)`,
  );
  await endpoint.close();

  // (c) the mix: 85 calls one after another, then a long local call, 13 cloud-allowed calls while it
  // runs, and one local-first call after them.
  await db.modelCall.deleteMany({ where: { workspaceId: ws.id } });
  breaker.success(`runner:${ws.id}`);
  type MixCall = { model: string; policy?: RoutingPolicy };
  const sequential: MixCall[] = [
    ...Array.from({ length: 44 }, () => ({ model: "fast" })),
    ...Array.from({ length: 16 }, () => ({ model: "coder" })),
    ...Array.from({ length: 25 }, () => ({ model: "smart" })),
  ]
    .map((c, i) => ({ c, key: hash(`${c.model}-${i}`) }))
    .sort((a, b) => a.key - b.key)
    .map(({ c }) => c);
  const ask = (c: MixCall, i: number, maxTokens = 32) =>
    complete(db, {
      workspaceId: ws.id,
      model: c.model,
      policy: c.policy,
      messages: [{ role: "user", content: `Request ${i}: summarise the ticket in one line.` }],
      maxTokens,
      temperature: 0.8,
      seed: i,
    });
  const started = performance.now();
  for (const [i, c] of sequential.entries()) await ask(c, i);
  // A long local call keeps the runner busy; cloud-allowed calls arrive once it is generating.
  let generating: () => void = () => {};
  const busyStarted = new Promise<void>((r) => (generating = r));
  const busy = complete(db, {
    workspaceId: ws.id,
    model: "fast",
    messages: [{ role: "user", content: "Write a long story." }],
    maxTokens: 8000,
    temperature: 0.8,
    seed: 1,
    onToken: () => generating(),
  });
  await busyStarted;
  const burst = await Promise.allSettled(Array.from({ length: 13 }, (_, i) => ask({ model: "fast", policy: "cloud-allowed" }, 100 + i)));
  const circuitAfterBurst = breaker.state(`runner:${ws.id}`);
  // A local-first call while the runner is still busy should wait for it (it may queue 60 s).
  const probe = await ask({ model: "fast" }, 200);
  await busy;
  const seconds = (performance.now() - started) / 1000;
  const calls = await db.modelCall.findMany({ where: { workspaceId: ws.id, status: "succeeded" } });
  const local100 = calls.filter((c) => c.provider === "runner").length;
  const cost = calls.reduce((n, c) => n + c.costMicros, 0);
  const baseline = calls.reduce((n, c) => n + c.baselineMicros, 0);
  // The same tokens on each requested model's own cloud model (fast -> gpt-4o-mini, smart -> gpt-4o, ...).
  const pricing = resolvePricing(undefined);
  const cloudOf: Record<string, string> = { fast: "gpt-4o-mini", coder: "gpt-4.1-mini", smart: "gpt-4o" };
  const sameModels = calls.reduce(
    (n, c) => n + cloudCostMicros(pricing, cloudOf[c.requestedModel] ?? c.model, c.promptTokens, c.completionTokens),
    0,
  );
  const served = burst.flatMap((b) => (b.status === "fulfilled" ? [b.value] : []));
  const burstCloud = served.filter((r) => r.provider === "openai");
  console.log(
    `(c) mix of ${calls.length} calls in ${seconds.toFixed(1)} s (${burst.filter((b) => b.status === "rejected").length} failed): ` +
      `${local100} served locally (${((local100 / calls.length) * 100).toFixed(0)}%), ${calls.length - local100} by the cloud`,
  );
  console.log(
    `    busy-runner burst (13 cloud-allowed): ${served.length - burstCloud.length} local, ${burstCloud.length} cloud ` +
      `(first fallback reason: ${burstCloud[0]?.fallbackReason ?? "none"})`,
  );
  // The ledger's baseline prices each call on its requested model's cloud model (a cloud call at its own cost), so the two agree.
  console.log(
    `    cost ${usd(cost)} vs cloud-only baseline ${usd(baseline)} (ModelCall.baselineMicros; saving ${((1 - cost / baseline) * 100).toFixed(0)}%)`,
  );
  console.log(`    check: the same calls on each requested model's cloud model, recomputed: ${usd(sameModels)}`);
  console.log(
    `    runner circuit after the burst: ${circuitAfterBurst}; a local-first call then went to ${probe.provider}` +
      (probe.fallbackReason ? ` (${probe.fallbackReason})` : ""),
  );

  runner.kill("SIGTERM");
  await new Promise((r) => runner.once("exit", r));
  await fake.close();
  await close();
  rmSync(root, { recursive: true, force: true });
}

/** A cheap deterministic string hash (to interleave the mix). */
function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619) >>> 0;
  return h;
}

/**
 * The OpenAI fake in a process of its own, as OpenAI is: in this one, its work on a response
 * (after the client has it) would land inside the next router call's measured time.
 */
async function openAIFakeProcess(): Promise<{ url: string; close: () => Promise<void> }> {
  const child = spawn(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), "--fake"], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await new Promise<string>((ok, fail) => {
    createInterface({ input: child.stdout! }).once("line", ok);
    child.once("exit", (code) => fail(new Error(`the OpenAI fake exited with ${code}`)));
  });
  return {
    url,
    close: () =>
      new Promise<void>((ok) => {
        child.once("exit", () => ok());
        child.kill("SIGTERM");
      }),
  };
}

if (process.argv[2] === "--fake") {
  void startOpenAIFake().then((fake) => console.log(fake.url));
} else {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
