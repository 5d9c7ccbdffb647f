/**
 * Tasks end to end through the real pipeline: intake in this process -> the app in its own process
 * (step functions, embedded executor, job relay, runner gateway: the restart test's
 * server/features/tasks/testing/app-process.ts) -> real `jace-runner` processes on a tiny CPU
 * model -> succeeded. Pipeline settings are the defaults except a short answer (16 tokens).
 * The workspaces are on the Enterprise plan (no runner, concurrency or monthly task limit), and
 * each scenario has more runner slots than tasks the pipeline runs at once (SLOTS per workspace,
 * default 32: the pipeline's per-workspace step limit is 8), so runners are not the bottleneck.
 * Scenarios:
 *   one at a time        20 tasks in sequence: latency without queueing
 *   N at once, 1 ws      N tasks submitted together to one workspace (2 runners)
 *   N at once, 4 ws      N tasks spread over 4 workspaces (a runner each)
 *   fairness             a quiet workspace's tasks one at a time, on its own idle runner, while
 *                        another workspace runs N at once: its overhead against its solo figure
 * Per scenario: tasks/s (first intake -> last success), intake -> succeeded p50/p95/p99, and the
 * pipeline's own overhead per task (latency minus the runner job's run time, from RunnerJob
 * startedAt/finishedAt), split into before the job is queued, waiting for a runner, after the job;
 * then where that time goes, step by step (p50 of the time from the previous point of the task's
 * run to each step's end, from the executor's step records).
 * Run: npx tsx bench/pipeline.ts [tasks=200]
 * BENCH_THREADS: llama.cpp threads per runner (default 1); BENCH_SLOTS: runner slots per workspace;
 * BENCH_SCENARIOS: which to run (comma-separated: one,burst1,burst4,fair; default all).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import pg from "pg";
import { writeTinyGguf } from "@/gpu-runner/scripts/make-tiny-gguf";
import { createInngestClient, inngestSettings, setInngest } from "@/inngest/client";
import { createDb, setDb } from "@/server/db";
import { getEnv, overrideEnv } from "@/server/env";
import { createTask } from "@/server/features/tasks/intake";
import type { AppProcessOptions } from "@/server/features/tasks/testing/app-process";
import { createEnrollmentToken } from "@/server/runners/enrollment";
import { benchDatabase, percentile } from "./lib";

const TASKS = Number(process.argv[2] ?? 200);
const THREADS = String(Number(process.env.BENCH_THREADS ?? 1));
const SLOTS = Number(process.env.BENCH_SLOTS ?? 32);
const SCENARIOS = new Set((process.env.BENCH_SCENARIOS ?? "one,burst1,burst4,fair").split(","));
const runnerBin = resolve(import.meta.dirname, "../gpu-runner/bin/jace-runner.js");
const appProcess = resolve(import.meta.dirname, "../server/features/tasks/testing/app-process.ts");
/** BENCH_APP_OPTIONS (JSON, as app-process.ts takes it) replaces these, e.g. to try other concurrency limits. */
const options: AppProcessOptions = process.env.BENCH_APP_OPTIONS
  ? (JSON.parse(process.env.BENCH_APP_OPTIONS) as AppProcessOptions)
  : { pipeline: { maxAnswerTokens: 16 } };

type Workspace = { id: string; name: string };

function exited(proc: ChildProcess): Promise<number | null> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve(proc.exitCode);
  return new Promise((r) => proc.once("exit", (code) => r(code)));
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

const stats = (xs: number[], ps = [50, 95, 99]) => {
  const s = [...xs].sort((a, b) => a - b);
  return ps.map((p) => `p${p} ${(percentile(s, p) / 1000).toFixed(2)} s`).join(", ");
};

async function main() {
  const database = await benchDatabase();
  const port = await freePort();
  overrideEnv({
    DATABASE_URL: database.url,
    PORT: String(port),
    AUTH_SECRET: "b".repeat(40),
    APP_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString("base64"),
    LOG_LEVEL: "error",
    LOG_FORMAT: "json",
  });
  const db = createDb(database.url);
  setDb(db);
  const pool = new pg.Pool({ connectionString: database.url, max: 2 });
  setInngest(createInngestClient(inngestSettings(getEnv())));
  const url = `http://127.0.0.1:${port}`;
  const root = mkdtempSync(join(tmpdir(), "jace-bench-pipeline-"));
  const modelsDir = join(root, "models");
  mkdirSync(modelsDir);
  await writeTinyGguf(join(modelsDir, "tiny.gguf"), { seed: 1 });

  const app = spawn(process.execPath, ["--import", "tsx", appProcess, JSON.stringify(options)], {
    env: process.env,
    stdio: ["pipe", "pipe", "inherit"],
  });
  await new Promise<void>((ok, fail) => {
    createInterface({ input: app.stdout! }).on("line", (line) => (line.startsWith('{"ready":true') ? ok() : undefined));
    app.once("exit", (code) => fail(new Error(`the app exited with ${code}`)));
  });

  const user = await db.user.create({ data: { email: `bench-${Date.now()}@example.test` } });
  const actor = { type: "user" as const, id: user.id, label: user.email };
  const newWorkspace = async (name: string): Promise<Workspace> => {
    // Enterprise: no runner, concurrency or monthly task limit (Free allows one runner and two tasks at once).
    const ws = await db.workspace.create({ data: { name, slug: `${name}-${Date.now()}`, plan: "enterprise" } });
    await db.project.create({ data: { workspaceId: ws.id, name: "bench" } });
    return ws;
  };

  const runners: ChildProcess[] = [];
  // The app exits when its stdin closes; runners are killed here if the benchmark fails.
  process.once("exit", () => runners.forEach((p) => p.kill("SIGKILL")));
  async function startRunner(ws: Workspace, name: string, maxJobs: number): Promise<ChildProcess> {
    const { token } = await createEnrollmentToken(db, ws.id, actor, null, { labels: [] });
    const dir = join(root, name);
    const args = ["--config-dir", join(dir, "config"), "--models-dir", modelsDir, "--work-dir", join(dir, "work")];
    const enroll = spawn(
      process.execPath,
      [runnerBin, "enroll", "--server", url, "--name", name, ...args, "--threads", THREADS, "--max-jobs", String(maxJobs)],
      { env: { ...process.env, JACE_RUNNER_TOKEN: token }, stdio: "ignore" },
    );
    if ((await exited(enroll)) !== 0) throw new Error(`enrolling ${name} failed`);
    const proc = spawn(process.execPath, [runnerBin, "start", "--config-dir", join(dir, "config")], { stdio: "ignore" });
    runners.push(proc);
    for (;;) {
      const r = await db.runner.findFirst({ where: { workspaceId: ws.id, name } });
      if (r?.status === "online") return proc;
      await new Promise((ok) => setTimeout(ok, 100));
    }
  }
  async function stopRunners() {
    for (const p of runners.splice(0)) {
      p.kill("SIGTERM");
      await exited(p);
    }
  }

  const submit = (ws: Workspace, i: number) =>
    createTask(db, ws.id, actor, { task: { kind: "ask", question: `Question ${i}: what makes a test flaky?` } }, { source: "api" }).then(
      (r) => r.task.id,
    );
  /**
   * N tasks "at once": 8 submitters in parallel, like busy API clients. (A single Promise.all of
   * 200 createTask calls into one workspace fails with P2028: see the note in bench/README.md.)
   */
  async function submitAll(n: number, pick: (i: number) => Workspace): Promise<string[]> {
    const ids: string[] = [];
    let next = 0;
    const submitter = async () => {
      for (let i = next++; i < n; i = next++) ids.push(await submit(pick(i), i));
    };
    await Promise.all(Array.from({ length: 8 }, submitter));
    return ids;
  }

  async function waitDone(ids: string[]) {
    for (;;) {
      const open = await db.task.count({ where: { id: { in: ids }, status: { notIn: ["succeeded", "failed", "cancelled"] } } });
      if (open === 0) return;
      await new Promise((ok) => setTimeout(ok, ids.length === 1 ? 20 : 250));
    }
  }

  /**
   * Where each task's time goes: the run's points in order (task created, run created, each step's
   * end, the runner job's created/started/finished, task finished), and the p50 of the time from
   * one point to the next, per point. Step ends are the executor's records (inngest_executor.steps).
   */
  async function phases(label: string, ids: string[]) {
    const { rows } = await pool.query<{ task: string; at: string; what: string }>(
      `SELECT r.event->'data'->>'taskId' AS task, r.created_at::text AS at, 'run created' AS what
         FROM inngest_executor.runs r WHERE r.event->'data'->>'taskId' = ANY($1)
       UNION ALL
       SELECT r.event->'data'->>'taskId', s.ended_at::text, coalesce(s.name, s.step_id)
         FROM inngest_executor.runs r JOIN inngest_executor.steps s ON s.run_id = r.id
        WHERE r.event->'data'->>'taskId' = ANY($1) AND s.ended_at IS NOT NULL`,
      [ids],
    );
    const tasks = new Map((await db.task.findMany({ where: { id: { in: ids } } })).map((t) => [t.id, t]));
    const jobs = new Map((await db.runnerJob.findMany({ where: { id: { in: ids.map((id) => `${id}-execute`) } } })).map((j) => [j.id, j]));
    const byTask = new Map<string, { at: number; what: string }[]>();
    const add = (task: string, at: number | undefined, what: string) => {
      if (at === undefined) return;
      const list = byTask.get(task) ?? [];
      list.push({ at, what });
      byTask.set(task, list);
    };
    for (const r of rows) add(r.task, Number(r.at), r.what);
    for (const [id, t] of tasks) {
      add(id, t.createdAt.getTime(), "task created");
      add(id, t.finishedAt?.getTime(), "task finished");
      const job = jobs.get(`${id}-execute`);
      add(id, job?.createdAt.getTime(), "job created");
      add(id, job?.startedAt?.getTime(), "job started");
      add(id, job?.finishedAt?.getTime(), "job finished");
    }
    const gaps = new Map<string, number[]>();
    const order = new Map<string, number>();
    for (const list of byTask.values()) {
      list.sort((a, b) => a.at - b.at);
      list.forEach((p, i) => {
        if (i === 0) return;
        const g = gaps.get(p.what) ?? [];
        g.push(p.at - list[i - 1]!.at);
        gaps.set(p.what, g);
        order.set(p.what, (order.get(p.what) ?? 0) + i);
      });
    }
    const line = [...gaps]
      .sort((a, b) => order.get(a[0])! / a[1].length - order.get(b[0])! / b[1].length)
      .map(
        ([what, g]) =>
          `${what} ${percentile(
            [...g].sort((x, y) => x - y),
            50,
          )}`,
      )
      .join(", ");
    console.log(`[${label}]     p50 ms from the previous point to: ${line}`);
  }

  async function report(label: string, ids: string[]) {
    await waitDone(ids);
    const tasks = await db.task.findMany({ where: { id: { in: ids } } });
    const jobs = new Map((await db.runnerJob.findMany({ where: { id: { in: ids.map((id) => `${id}-execute`) } } })).map((j) => [j.id, j]));
    const done = tasks.filter((t) => t.status === "succeeded");
    const failed = tasks.filter((t) => t.status !== "succeeded");
    const first = Math.min(...tasks.map((t) => t.createdAt.getTime()));
    const last = Math.max(...done.map((t) => t.finishedAt!.getTime()));
    const latency: number[] = [];
    const overhead: number[] = [];
    const before: number[] = [];
    const queued: number[] = [];
    const running: number[] = [];
    const after: number[] = [];
    for (const t of done) {
      const job = jobs.get(`${t.id}-execute`)!;
      const total = t.finishedAt!.getTime() - t.createdAt.getTime();
      const run = job.finishedAt!.getTime() - job.startedAt!.getTime();
      latency.push(total);
      running.push(run);
      overhead.push(total - run);
      before.push(job.createdAt.getTime() - t.createdAt.getTime());
      queued.push(job.startedAt!.getTime() - job.createdAt.getTime());
      after.push(t.finishedAt!.getTime() - job.finishedAt!.getTime());
    }
    console.log(
      `[${label}] ${done.length} tasks in ${((last - first) / 1000).toFixed(1)} s = ${((done.length * 1000) / (last - first)).toFixed(2)} tasks/s` +
        (failed.length ? ` (${failed.length} did not succeed: ${failed[0]!.error})` : ""),
    );
    console.log(`[${label}]   intake -> succeeded : ${stats(latency)}`);
    console.log(`[${label}]   runner job running  : ${stats(running, [50, 95])}`);
    console.log(`[${label}]   pipeline overhead   : ${stats(overhead, [50, 95])} (latency minus job run time)`);
    console.log(
      `[${label}]     before the job ${stats(before, [50])}; waiting for a runner ${stats(queued, [50])}; after the job ${stats(after, [50])}`,
    );
    await phases(label, ids);
    return { overhead };
  }

  /** 20 tasks one after another in `ws` (each submitted when the one before it ended). */
  async function oneAtATime(ws: Workspace, n = 20): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      ids.push(await submit(ws, i));
      await waitDone(ids.slice(-1));
    }
    return ids;
  }

  console.log(
    `runner slots: ${SLOTS} per workspace (the pipeline runs at most ${options.pipeline?.perWorkspaceConcurrency ?? 8} steps of a workspace at once), so runners are not the bottleneck; load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")} at the start`,
  );
  const single = await newWorkspace("one");
  for (const i of [1, 2]) await startRunner(single, `one-${i}`, SLOTS / 2);
  await report("warm-up", await submitAll(8, () => single));
  if (SCENARIOS.has("one")) await report("one at a time", await oneAtATime(single));
  if (SCENARIOS.has("burst1")) await report(`${TASKS} at once, 1 workspace`, await submitAll(TASKS, () => single));
  await stopRunners();

  if (SCENARIOS.has("burst4")) {
    const spread = await Promise.all([0, 1, 2, 3].map((i) => newWorkspace(`spread${i}`)));
    for (const [i, ws] of spread.entries()) await startRunner(ws, `spread-${i}`, SLOTS);
    await report(`${TASKS} at once, 4 workspaces`, await submitAll(TASKS, (i) => spread[i % 4]!));
    await stopRunners();
  }

  if (SCENARIOS.has("fair")) {
    const [quiet, busy] = [await newWorkspace("quiet"), await newWorkspace("busy")];
    await startRunner(quiet, "quiet", 4);
    await startRunner(busy, "busy", SLOTS);
    await report("fairness warm-up", await submitAll(4, (i) => (i % 2 ? quiet : busy)));
    const solo = await report("fairness: quiet workspace alone", await oneAtATime(quiet));
    const burst = submitAll(TASKS, () => busy);
    const beside = await report(`fairness: quiet workspace beside ${TASKS} at once in another`, await oneAtATime(quiet));
    await report(`fairness: the other workspace's ${TASKS} at once`, await burst);
    const p50 = (xs: number[]) =>
      percentile(
        [...xs].sort((a, b) => a - b),
        50,
      );
    console.log(
      `[fairness] quiet workspace overhead p50: ${(p50(beside.overhead) / p50(solo.overhead)).toFixed(1)}x its solo figure (goal <= 2x)`,
    );
    await stopRunners();
  }

  app.stdin!.write("exit\n");
  await exited(app);
  await pool.end();
  await db.$disconnect();
  await database.cleanup();
  rmSync(root, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
