/**
 * Tasks end to end through the real pipeline: intake in this process -> the app in its own process
 * (step functions, embedded executor, job relay, runner gateway: the restart test's
 * server/features/tasks/testing/app-process.ts) -> real `jace-runner` processes on a tiny CPU
 * model -> succeeded. Pipeline settings are the defaults except a short answer (16 tokens).
 * Scenarios, each with 8 runner slots in all:
 *   one at a time        20 tasks in sequence: latency without queueing
 *   N at once, 1 ws      N tasks submitted together to one workspace (2 runners x 4 jobs)
 *   N at once, 4 ws      N tasks spread over 4 workspaces (4 runners x 2 jobs, one per workspace)
 * Per scenario: tasks/s (first intake -> last success), intake -> succeeded p50/p95/p99, and the
 * pipeline's own overhead per task (latency minus the runner job's run time, from RunnerJob
 * startedAt/finishedAt), split into before the job is queued, waiting for a runner, after the job.
 * Run: npx tsx bench/pipeline.ts [tasks=200]
 * BENCH_THREADS: llama.cpp threads per runner (default 1).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
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
  }

  const single = await newWorkspace("one");
  for (const i of [1, 2]) await startRunner(single, `one-${i}`, 4);
  await report("warm-up", await submitAll(8, () => single));
  const sequential: string[] = [];
  for (let i = 0; i < 20; i++) {
    sequential.push(await submit(single, i));
    await waitDone(sequential.slice(-1));
  }
  await report("one at a time", sequential);
  await report(`${TASKS} at once, 1 workspace`, await submitAll(TASKS, () => single));
  await stopRunners();

  const spread = await Promise.all([0, 1, 2, 3].map((i) => newWorkspace(`spread${i}`)));
  for (const [i, ws] of spread.entries()) await startRunner(ws, `spread-${i}`, 2);
  await report(`${TASKS} at once, 4 workspaces`, await submitAll(TASKS, (i) => spread[i % 4]!));
  await stopRunners();

  app.stdin!.write("exit\n");
  await exited(app);
  await db.$disconnect();
  await database.cleanup();
  rmSync(root, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
