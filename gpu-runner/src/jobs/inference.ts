import { fork, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { InferenceSpec } from "../protocol";
import { listModels, resolveModel } from "../models";
import type { FromWorker, ToWorker, WorkerInit, WorkerResult } from "./inference-ipc";
import { TailBuffer } from "./output";
import type { JobContext, JobOutcome, JobsConfig } from "./types";

/**
 * Inference jobs, run in a separate model process (inference-worker.ts) that keeps models warm.
 * A crash of that process fails only the jobs it was running; the next job starts a new one.
 */

export type InferenceLog = (level: "error" | "warn" | "info" | "debug", message: string) => void;
export type InferenceRunnerOptions = { gpu?: WorkerInit["gpu"]; log?: InferenceLog };
export type InferenceRunner = { run: (spec: InferenceSpec, ctx: JobContext) => Promise<JobOutcome>; close: () => Promise<void> };

/** After a cancel, the model process gets this long to stop generating before it is killed. */
const CANCEL_GRACE_MS = 10_000;
const SHUTDOWN_GRACE_MS = 5_000;

// Run from TypeScript sources (tsx) or from compiled JavaScript alike. The tsx loader is resolved
// to an absolute URL so the runner works whatever its working directory.
const runningFromSource = import.meta.url.endsWith(".ts");
const WORKER_PATH = fileURLToPath(new URL(runningFromSource ? "./inference-worker.ts" : "./inference-worker.js", import.meta.url));
const workerExecArgv = () => (runningFromSource ? ["--import", pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href] : []);

type Pending = { ctx: JobContext; cancelled: boolean; settle: (result: WorkerResult) => void };
type ModelProcess = { child: ChildProcess; pending: Map<string, Pending>; stderr: TailBuffer; shuttingDown: boolean };

const zeroUsage = () => ({ promptTokens: 0, completionTokens: 0, gpuSeconds: 0, cpuSeconds: 0 });
const failed = (error: string): WorkerResult => ({ status: "failed", output: null, error, usage: zeroUsage() });
const cancelled = (): WorkerResult => ({ status: "cancelled", output: null, error: "cancelled", usage: zeroUsage() });

/** "killed by SIGABRT: GGML_ASSERT(hparams.n_ff > 0) failed" from the exit status and the last stderr lines. */
function describeExit(code: number | null, signal: string | null, stderr: string): string {
  const lines = stderr
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  const telling = lines.findLast((l) => /GGML_ASSERT|error|abort|fatal/i.test(l)) ?? lines.at(-1);
  const status = signal ? `killed by ${signal}` : `exited with code ${code}`;
  return (telling ? `${status}: ${telling}` : status).slice(0, 1000);
}

export function createInferenceRunner(config: JobsConfig, opts: InferenceRunnerOptions = {}): InferenceRunner {
  let current: ModelProcess | null = null;
  let closed = false;

  const send = (proc: ModelProcess, message: ToWorker) => {
    // With a callback, a dead channel reports here instead of throwing; the exit handler fails the jobs.
    if (proc.child.connected) proc.child.send(message, () => {});
  };

  function start(): ModelProcess {
    const child = fork(WORKER_PATH, [], {
      execPath: process.execPath,
      execArgv: workerExecArgv(),
      stdio: ["ignore", "pipe", "pipe", "ipc"],
    });
    const proc: ModelProcess = { child, pending: new Map(), stderr: new TailBuffer(16 * 1024), shuttingDown: false };
    // llama.cpp logs arrive as IPC messages; the pipes only carry library warnings and abort messages.
    child.stdout?.on("data", (chunk: Buffer) => opts.log?.("info", chunk.toString("utf8").trimEnd()));
    child.stderr?.on("data", (chunk: Buffer) => {
      proc.stderr.append(chunk.toString("utf8"));
      opts.log?.("warn", chunk.toString("utf8").trimEnd());
    });
    child.on("message", (message: FromWorker) => onMessage(proc, message));
    const onGone = (reason: string) => {
      if (current === proc) current = null;
      for (const [, job] of proc.pending) {
        if (job.cancelled) job.settle(cancelled());
        else job.settle(failed(proc.shuttingDown ? "the runner is shutting down" : `model process crashed: ${reason}`));
      }
      proc.pending.clear();
    };
    child.on("exit", (code, signal) => onGone(describeExit(code, signal, proc.stderr.toString())));
    child.on("error", (error) => onGone(error.message));
    send(proc, { type: "init", init: { threads: config.threads, memoryBudgetBytes: config.memoryBudgetBytes, gpu: opts.gpu ?? "auto" } });
    return proc;
  }

  function onMessage(proc: ModelProcess, message: FromWorker) {
    if (message.type === "log") return opts.log?.(message.level, message.message);
    const job = proc.pending.get(message.jobId);
    if (!job) return;
    if (message.type === "token") job.ctx.emitChunk("token", message.text);
    else if (message.type === "progress") job.ctx.emitProgress(message.phase, message.fraction);
    else if (message.type === "result") {
      proc.pending.delete(message.jobId);
      job.settle(message.result);
    }
  }

  async function run(spec: InferenceSpec, ctx: JobContext): Promise<JobOutcome> {
    const started = Date.now();
    const finish = (result: WorkerResult): JobOutcome => ({
      ...result,
      usage: { ...result.usage, wallSeconds: (Date.now() - started) / 1000 },
    });
    if (closed) return finish(failed("the runner is shutting down"));

    const model = await resolveModel(config.modelsDir, spec.model);
    if (!model) {
      const available = (await listModels(config.modelsDir)).map((m) => m.id);
      const hint = available.length > 0 ? `available: ${available.join(", ")}` : `no models in ${config.modelsDir}`;
      return finish(failed(`model "${spec.model}" is not installed on this runner (${hint})`));
    }
    if (ctx.signal.aborted) return finish(cancelled());

    let proc: ModelProcess;
    try {
      proc = current ??= start();
    } catch (error) {
      return finish(failed(`could not start the model process: ${(error as Error).message}`));
    }
    if (proc.pending.has(ctx.jobId)) return finish(failed(`job ${ctx.jobId} is already running`));
    return new Promise<JobOutcome>((resolve) => {
      let killTimer: NodeJS.Timeout | undefined;
      const onAbort = () => {
        pending.cancelled = true;
        send(proc, { type: "cancel", jobId: ctx.jobId });
        // A process stuck in native code cannot read the cancel; kill it (its other jobs fail too).
        killTimer = setTimeout(() => proc.child.kill("SIGKILL"), CANCEL_GRACE_MS);
      };
      const pending: Pending = {
        ctx,
        cancelled: false,
        settle: (result) => {
          clearTimeout(killTimer);
          ctx.signal.removeEventListener("abort", onAbort);
          resolve(finish(result));
        },
      };
      proc.pending.set(ctx.jobId, pending);
      ctx.signal.addEventListener("abort", onAbort, { once: true });
      send(proc, { type: "run", jobId: ctx.jobId, spec, model: { id: spec.model, ...model } });
    });
  }

  async function close(): Promise<void> {
    closed = true;
    const proc = current;
    if (!proc || proc.child.exitCode !== null || proc.child.signalCode !== null) return;
    proc.shuttingDown = true;
    const exited = new Promise<void>((resolve) => proc.child.once("exit", () => resolve()));
    send(proc, { type: "shutdown" });
    const timer = setTimeout(() => proc.child.kill("SIGKILL"), SHUTDOWN_GRACE_MS);
    await exited;
    clearTimeout(timer);
  }

  return { run, close };
}
