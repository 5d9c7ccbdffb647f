import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Artifact, SandboxOutput, SandboxSpec, SandboxStep, TestSummary } from "../protocol";
import { artifactFromBytes, findJunitReports, readArtifact, type ArtifactRead } from "./artifacts";
import { bwrapArgs, stepEnv, stepScript, type Limits } from "./bwrap";
import { bwrapProber, type BwrapProbe, type BwrapProber } from "./bwrap-probe";
import { basicAuthValue, cloneRepository, GitError } from "./git";
import { createRedactor, OutputBudget, TailBuffer } from "./output";
import { runStepProcess, type StepProcessResult } from "./run-step";
import { mergeSummaries, parseJunitXml, parseTestOutput } from "./test-summary";
import type { JobContext, JobOutcome, JobsConfig } from "./types";

export const SANDBOX_UNAVAILABLE =
  "sandbox unavailable: install bubblewrap (apt-get install -y bubblewrap) or start the runner with --allow-unsandboxed";

const UNSANDBOXED_WARNING =
  "warning: bubblewrap is unavailable; running WITHOUT a sandbox (--allow-unsandboxed): steps see the network and the runner's files\n";

export type SandboxRunOptions = {
  /** Accept local paths, file:// and plain http:// repositories. For tests only. */
  allowLocalRepositories?: boolean;
  /** Where the bubblewrap answer comes from (tests use a stand-in command). */
  prober?: BwrapProber;
};

type Mode = "bwrap" | "none";
type Workspace = { checkoutDir: string; homeDir: string };
type StepRecord = SandboxOutput["steps"][number];

function command(mode: Mode, ws: Workspace, network: boolean, limits: Limits, run: string) {
  const script = ["-c", stepScript(limits), "jace-step", run];
  if (mode === "none") return { command: "/bin/sh", args: script, cwd: ws.checkoutDir, env: stepEnv(ws.homeDir) };
  return { command: "bwrap", args: [...bwrapArgs({ ...ws, network }), "/bin/sh", ...script], env: { PATH: stepEnv("/").PATH! } };
}

function outcome(
  status: JobOutcome["status"],
  output: SandboxOutput | null,
  error: string | null,
  started: number,
  cpuSeconds = 0,
): JobOutcome {
  return {
    status,
    output,
    error,
    usage: { promptTokens: 0, completionTokens: 0, gpuSeconds: 0, cpuSeconds, wallSeconds: (Date.now() - started) / 1000 },
  };
}

/**
 * A sandboxed CI job: clone into a throwaway directory, run the steps under bubblewrap until one
 * fails, then collect artifacts and a test summary. The directory is always deleted.
 */
export async function runSandboxJob(
  spec: SandboxSpec,
  ctx: JobContext,
  config: JobsConfig,
  opts: SandboxRunOptions = {},
): Promise<JobOutcome> {
  const started = Date.now();
  const probe = await sandboxProbe(opts.prober ?? bwrapProber);
  // A busy machine is no reason to run without the sandbox, even where unsandboxed runs are allowed.
  if (probe.state === "transient") return outcome("failed", null, `sandbox check failed: ${probe.detail}`, started);
  const mode: Mode | null = probe.available ? "bwrap" : config.allowUnsandboxed ? "none" : null;
  if (!mode) return outcome("failed", null, `${SANDBOX_UNAVAILABLE} (${probe.detail})`, started);

  const token = spec.repository.token;
  const redact = createRedactor([token, token ? basicAuthValue(token) : undefined]);
  const budget = new OutputBudget(spec.limits.maxOutputBytes, ctx.emitChunk);
  if (mode === "none") budget.write("log", UNSANDBOXED_WARNING);

  await mkdir(config.workDir, { recursive: true });
  const jobDir = await mkdtemp(join(config.workDir, `job-${ctx.jobId.replace(/[^\w-]/g, "_").slice(0, 40)}-`));
  const ws: Workspace = { checkoutDir: join(jobDir, "checkout"), homeDir: join(jobDir, "home") };
  try {
    await mkdir(ws.homeDir);
    ctx.emitProgress("cloning", null, spec.repository.url);
    try {
      const commit = await cloneRepository({
        ...spec.repository,
        dest: ws.checkoutDir,
        signal: ctx.signal,
        allowLocal: !!opts.allowLocalRepositories,
        redact,
      });
      budget.write("log", `checked out ${commit}\n`);
    } catch (error) {
      if (ctx.signal.aborted) return outcome("cancelled", null, "cancelled", started);
      if (error instanceof GitError) return outcome("failed", null, redact(`clone failed: ${error.message}`), started);
      throw error;
    }

    const clonedAt = Date.now();
    const { steps, tails, cpuSeconds, failed, stop } = await runSteps(mode, ws, spec, ctx, budget, redact);
    if (stop === "cancelled") {
      return outcome("cancelled", { kind: "sandbox", steps, summary: null, artifacts: [], failed: true }, "cancelled", started, cpuSeconds);
    }
    if (stop) return outcome("failed", null, stop.error, started, cpuSeconds);

    ctx.emitProgress("collecting", null);
    const artifacts = await collectArtifacts(mode, ws, spec, ctx.signal, (problem) => budget.write("log", `${problem}\n`));
    const summary = await collectSummary(ws.checkoutDir, clonedAt, spec.artifacts.paths, tails, artifacts);
    return outcome("succeeded", { kind: "sandbox", steps, summary, artifacts, failed }, null, started, cpuSeconds);
  } finally {
    await removeTree(jobDir);
  }
}

/** The probe's answer; a transient failure gets one fresh attempt before the job gives up. */
async function sandboxProbe(prober: BwrapProber): Promise<BwrapProbe> {
  const probe = await prober.probe();
  return probe.state === "transient" ? prober.probe() : probe;
}

/**
 * Deletes the job directory even when a step left read-only directories behind (rm cannot unlink
 * inside them). Cleanup problems never replace the job's real outcome.
 */
async function removeTree(dir: string): Promise<void> {
  try {
    await rm(dir, { recursive: true, force: true, maxRetries: 3 });
  } catch {
    await new Promise((resolve) => execFile("chmod", ["-R", "u+rwX", "--", dir], resolve));
    await rm(dir, { recursive: true, force: true }).catch(() => {});
  }
}

type StepsRun = { steps: StepRecord[]; tails: string[]; cpuSeconds: number; failed: boolean; stop: null | "cancelled" | { error: string } };

/** Runs the steps in order until one fails, times out, cannot start, or the job is cancelled. */
async function runSteps(
  mode: Mode,
  ws: Workspace,
  spec: SandboxSpec,
  ctx: JobContext,
  budget: OutputBudget,
  redact: (text: string) => string,
): Promise<StepsRun> {
  const run: StepsRun = { steps: [], tails: [], cpuSeconds: 0, failed: false, stop: null };
  for (const [index, step] of spec.steps.entries()) {
    ctx.emitProgress("running", index / spec.steps.length, step.name);
    budget.write("log", `▶ ${step.name}\n`);
    const tail = new TailBuffer();
    const result = await runStep(mode, ws, step, spec.limits, ctx.signal, (stream, line) => {
      const clean = redact(line);
      tail.append(clean);
      budget.write(stream, clean);
    });
    run.cpuSeconds += result.cpuSeconds;
    run.tails.push(tail.toString());
    const { exitCode, signal, durationMs, timedOut } = result;
    run.steps.push({ name: step.name, exitCode, signal, durationMs, timedOut });
    if (result.spawnError) return { ...run, stop: { error: `could not start step "${step.name}": ${result.spawnError}` } };
    if (result.cancelled || ctx.signal.aborted) return { ...run, stop: "cancelled" };
    if (timedOut) {
      budget.write("log", `step "${step.name}" timed out after ${step.timeoutMs} ms and was killed\n`);
    } else if (exitCode !== 0) {
      budget.write("log", `step "${step.name}" failed with exit code ${exitCode ?? signal}${limitHint(exitCode, spec.limits)}\n`);
    }
    if (timedOut || exitCode !== 0) return { ...run, failed: true };
  }
  return run;
}

/** Exit codes the limits produce, spelled out (the step itself could exit with them too, hence "probably"). */
function limitHint(exitCode: number | null, limits: Limits): string {
  if (exitCode === 128 + 24) return ` (probably the CPU time limit of ${limits.cpuSeconds} s)`;
  if (exitCode === 128 + 9) return ` (killed; possibly the CPU time limit of ${limits.cpuSeconds} s)`;
  return "";
}

function runStep(
  mode: Mode,
  ws: Workspace,
  step: Pick<SandboxStep, "run" | "network" | "timeoutMs">,
  limits: Limits,
  signal: AbortSignal,
  onLine: (stream: "stdout" | "stderr", line: string) => void,
  onStdoutData?: (chunk: Buffer) => void,
): Promise<StepProcessResult> {
  return runStepProcess({ ...command(mode, ws, step.network, limits, step.run), timeoutMs: step.timeoutMs, signal, onLine, onStdoutData });
}

async function collectArtifacts(
  mode: Mode,
  ws: Workspace,
  spec: SandboxSpec,
  signal: AbortSignal,
  report: (problem: string) => void,
): Promise<Artifact[]> {
  const reads: ArtifactRead[] = [];
  for (const path of spec.artifacts.paths) reads.push(await readArtifact(ws.checkoutDir, path, spec.artifacts.maxBytes));
  if (spec.artifacts.patch) reads.push(await diffWorkingTree(mode, ws, spec, signal));
  const artifacts: Artifact[] = [];
  // maxBytes bounds the total too: the result travels in one protocol message.
  let total = 0;
  for (const read of reads) {
    if (!("artifact" in read)) report(read.problem);
    else if (total + read.artifact.bytes > spec.artifacts.maxBytes)
      report(`artifact "${read.artifact.name}" left out: artifacts together exceed ${spec.artifacts.maxBytes} bytes`);
    else {
      total += read.artifact.bytes;
      artifacts.push(read.artifact);
    }
  }
  return artifacts;
}

/**
 * `git diff` of everything the steps changed, new files included. It runs inside the sandbox: the
 * steps could have rewritten .git/config (core.fsmonitor, diff.external) to run code as the runner.
 */
async function diffWorkingTree(mode: Mode, ws: Workspace, spec: SandboxSpec, signal: AbortSignal): Promise<ArtifactRead> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  const run = "git add --all --intent-to-add >/dev/null 2>&1; git -c core.quotepath=off diff --binary --no-ext-diff --no-textconv HEAD";
  const result = await runStep(
    mode,
    ws,
    { run, network: false, timeoutMs: 120_000 },
    spec.limits,
    signal,
    () => {},
    (chunk) => {
      bytes += chunk.length;
      if (bytes <= spec.artifacts.maxBytes + 1) chunks.push(chunk);
    },
  );
  if (result.exitCode !== 0) return { problem: `could not compute the patch (git diff exited with ${result.exitCode ?? result.signal})` };
  if (bytes > spec.artifacts.maxBytes)
    return { problem: `artifact "patch" is ${bytes} bytes, over the limit of ${spec.artifacts.maxBytes}` };
  return artifactFromBytes("patch", Buffer.concat(chunks), spec.artifacts.maxBytes);
}

/** JUnit reports win (they are exact); otherwise the last step whose output has a recognised summary. */
async function collectSummary(
  checkoutDir: string,
  since: number,
  requested: string[],
  tails: string[],
  artifacts: Artifact[],
): Promise<TestSummary | null> {
  const reports = await findJunitReports(checkoutDir, since);
  const fromRequested = artifacts
    .filter((a) => requested.includes(a.name))
    .map((a) => Buffer.from(a.contentBase64, "base64").toString("utf8"));
  const junit = [...reports, ...fromRequested.filter((text) => !reports.includes(text))]
    .map(parseJunitXml)
    .filter((s): s is TestSummary => s !== null);
  if (junit.length > 0) return mergeSummaries(junit);
  for (const text of [...tails].reverse()) {
    const parsed = parseTestOutput(text);
    if (parsed) return parsed;
  }
  for (const text of fromRequested) {
    const parsed = parseTestOutput(text);
    if (parsed) return parsed;
  }
  return null;
}
