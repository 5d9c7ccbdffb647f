/**
 * Token relay overhead: tokens/s seen by a caller streaming a job through the real gateway from a
 * real `jace-runner` process, against tokens/s of direct generation with the same job executor on
 * the same tiny model, same prompt and seed. Goal: overhead <= 5%.
 * Rates are completion tokens over the span from first to last token, so model load and dispatch
 * are excluded on both sides. Run: npx tsx bench/token-relay.ts [maxTokens=1500] [rounds=3]
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { writeTinyGguf } from "@/gpu-runner/scripts/make-tiny-gguf";
import { createJobExecutor } from "@/gpu-runner/src/jobs";
import type { InferenceSpec } from "@jace/gpu-runner/protocol";
import { createEnrollmentToken } from "@/server/runners/enrollment";
import { awaitJobResult, dispatchStreaming } from "@/server/runners/jobs";
import { benchRunnerApp } from "./lib";

const MAX_TOKENS = Number(process.argv[2] ?? 1500);
const ROUNDS = Number(process.argv[3] ?? 3);
// llama.cpp threads. Here the app, the runner and the model share 2 cores, which a real deployment
// does not (the runner is another machine); 1 thread leaves a core for the relay path.
const THREADS = Number(process.env.BENCH_THREADS ?? 1);

const spec: InferenceSpec = {
  kind: "inference",
  model: "tiny",
  messages: [{ role: "user", content: "Say hello." }],
  maxTokens: MAX_TOKENS,
  temperature: 0.8,
  seed: 7,
};

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main() {
  const root = mkdtempSync(join(tmpdir(), "jace-relay-"));
  const modelsDir = join(root, "models");
  mkdirSync(modelsDir);
  mkdirSync(join(root, "work"));
  await writeTinyGguf(join(modelsDir, "tiny.gguf"), { seed: 1 });

  // Direct: the runner's own executor in this process (its model worker is a child process).
  const executor = createJobExecutor({
    modelsDir,
    workDir: join(root, "work"),
    threads: THREADS,
    allowUnsandboxed: false,
    memoryBudgetBytes: 1024 ** 3,
  });
  const direct: number[] = [];
  for (let i = 0; i <= ROUNDS; i++) {
    let first = 0;
    let last = 0;
    const outcome = await executor.run(spec, {
      jobId: `direct-${i}`,
      signal: new AbortController().signal,
      emitChunk: (stream) => {
        if (stream !== "token") return;
        last = performance.now();
        first ||= last;
      },
      emitProgress: () => {},
    });
    if (i > 0) direct.push(outcome.usage.completionTokens / ((last - first) / 1000)); // round 0 warms the model
  }
  await executor.close();

  // Relayed: a real runner process -> WebSocket -> gateway -> caller's stream.
  const { db, app, ws, actor, close } = await benchRunnerApp("Relay");
  const { token } = await createEnrollmentToken(db, ws.id, actor, null, { labels: [] });
  const bin = resolve(import.meta.dirname, "../gpu-runner/bin/jace-runner.js");
  const args = [
    "--config-dir",
    join(root, "cfg"),
    "--models-dir",
    modelsDir,
    "--work-dir",
    join(root, "work"),
    "--threads",
    String(THREADS),
  ];
  await new Promise<void>((ok, fail) =>
    spawn(process.execPath, [bin, "enroll", "--server", app.url, "--name", "relay", ...args], {
      env: { ...process.env, JACE_RUNNER_TOKEN: token },
      stdio: "ignore",
    }).once("exit", (c) => (c === 0 ? ok() : fail(new Error(`enroll exited ${c}`)))),
  );
  const runner = spawn(process.execPath, [bin, "start", "--config-dir", join(root, "cfg")], { stdio: "ignore" });
  const relayed: number[] = [];
  for (let i = 0; i <= ROUNDS; i++) {
    const { jobId, events } = await dispatchStreaming(db, ws.id, spec, { queueTimeoutMs: 60_000 });
    let first = 0;
    let last = 0;
    for await (const e of events) {
      if (e.type !== "chunk" || e.stream !== "token") continue;
      last = performance.now();
      first ||= last;
    }
    const result = await awaitJobResult(db, ws.id, jobId);
    if (result.status !== "succeeded") throw new Error(`relay job ${result.status}: ${result.error}`);
    if (i > 0) relayed.push(result.usage!.completionTokens / ((last - first) / 1000));
  }

  const d = median(direct);
  const r = median(relayed);
  console.log(`direct generation : ${d.toFixed(0)} tokens/s (median of ${direct.map((x) => x.toFixed(0)).join(", ")})`);
  console.log(`through the relay : ${r.toFixed(0)} tokens/s (median of ${relayed.map((x) => x.toFixed(0)).join(", ")})`);
  console.log(`relay overhead    : ${(((d - r) / d) * 100).toFixed(1)}% (${MAX_TOKENS} max tokens, ${THREADS} threads, tiny CPU model)`);

  runner.kill("SIGTERM");
  await new Promise((r2) => runner.once("exit", r2));
  await close();
  rmSync(root, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
