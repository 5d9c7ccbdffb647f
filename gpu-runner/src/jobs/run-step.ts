import { spawn } from "node:child_process";
import type { Readable } from "node:stream";
import { LineSplitter } from "./output";
import { parseTimes } from "./bwrap";

export type StepProcessResult = {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  cancelled: boolean;
  durationMs: number;
  /** CPU time of the step's processes, as reported by the wrapper script (0 if it was killed). */
  cpuSeconds: number;
  spawnError: string | null;
};

export type StepProcessOptions = {
  command: string;
  args: string[];
  cwd?: string;
  env: Record<string, string>;
  timeoutMs: number;
  signal: AbortSignal;
  onLine: (stream: "stdout" | "stderr", line: string) => void;
  /** Receive stdout as raw bytes instead of lines (e.g. a patch that may not be UTF-8). */
  onStdoutData?: (chunk: Buffer) => void;
};

/**
 * Runs one step in its own process group and streams its output line by line. Timeout and
 * cancellation SIGKILL the whole group; under bubblewrap that takes the PID namespace with it.
 */
export function runStepProcess(opts: StepProcessOptions): Promise<StepProcessResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(opts.command, opts.args, {
      cwd: opts.cwd,
      // A plain record is a complete environment here; the cast also satisfies the app's stricter
      // ProcessEnv (Next.js declares NODE_ENV) when the app's type check includes this file.
      env: opts.env as NodeJS.ProcessEnv,
      detached: true,
      stdio: ["ignore", "pipe", "pipe", "pipe"],
    });
    let timedOut = false;
    let cancelled = false;
    let timesOutput = "";
    let settled = false;

    const killGroup = () => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    };
    const onAbort = () => {
      cancelled = true;
      killGroup();
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, opts.timeoutMs);
    opts.signal.addEventListener("abort", onAbort, { once: true });
    if (opts.signal.aborted) onAbort();

    const splitters = (["stdout", "stderr"] as const).map((stream) => {
      const splitter = new LineSplitter((line) => opts.onLine(stream, line));
      const raw = stream === "stdout" ? opts.onStdoutData : undefined;
      child[stream]?.on("data", (chunk: Buffer) => (raw ? raw(chunk) : splitter.push(chunk)));
      return splitter;
    });
    (child.stdio[3] as Readable | null)?.on("data", (chunk: Buffer) => {
      if (timesOutput.length < 1024) timesOutput += chunk.toString("utf8");
    });

    const finish = (exitCode: number | null, signal: string | null, spawnError: string | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal.removeEventListener("abort", onAbort);
      for (const s of splitters) s.end();
      resolve({ exitCode, signal, timedOut, cancelled, durationMs: Date.now() - started, cpuSeconds: parseTimes(timesOutput), spawnError });
    };

    child.on("error", (error) => finish(null, null, error.message));
    child.on("exit", (code, signal) => {
      // Leftover background processes (only possible without bubblewrap) must not outlive the step
      // or hold its pipes open.
      killGroup();
      const closeSoon = setTimeout(() => {
        for (const s of child.stdio) s?.destroy();
        finish(code, signal, null);
      }, 1000);
      child.once("close", () => {
        clearTimeout(closeSoon);
        finish(code, signal, null);
      });
    });
  });
}
