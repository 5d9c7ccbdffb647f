import { mkdirSync, watch, type FSWatcher } from "node:fs";
import { loadEnrollment, type Enrollment } from "../config";
import { startRunner } from "../connection";
import { exitCodes, RunnerError } from "../errors";
import { detectCapabilities } from "../gpu";
import { createJobExecutor } from "../jobs";
import { bwrapProber } from "../jobs/bwrap-probe";
import { acquireRunnerLock } from "../lock";
import { createLogger, type LogFormat, type Logger } from "../log";
import type { Capabilities } from "../protocol";
import { runnerVersion } from "../version";
import { configDirOption, parseCommandArgs, parseDuration, settingsFlags, settingsOptions, type Io } from "./shared";

export const startHelp = `Usage: jace-runner start [options]

Connects to the Jace app and runs jobs until stopped. The first SIGTERM or SIGINT drains: new
offers are refused, running jobs may finish (up to --drain-timeout), their results are sent and
the runner exits 0. A second signal stops the running jobs and gives them back to the app's
queue (another runner, or this one once restarted, runs them). Only one jace-runner may run per
enrollment. Exits 78 if the server refuses this runner for good (revoked or deleted) or another
jace-runner already runs with this enrollment, so a service manager does not restart it.

Options:
  --drain-timeout DURATION  How long a drain waits for running jobs, e.g. 90s, 5m (default 5m)
  --log-format json|pretty  Log line format on stderr (default pretty)
  --verbose                 Also log debug events
  --server URL              Override the enrolled server address (env JACE_RUNNER_SERVER)
  --models-dir DIR          GGUF models directory (env JACE_RUNNER_MODELS_DIR)
  --work-dir DIR            Scratch space for sandboxed jobs (env JACE_RUNNER_WORK_DIR)
  --threads N               CPU threads for inference (env JACE_RUNNER_THREADS)
  --max-jobs N              Jobs run at the same time (env JACE_RUNNER_MAX_JOBS)
  --labels a,b              Labels jobs can target (env JACE_RUNNER_LABELS)
  --gpu KIND                auto, cuda, vulkan, metal or cpu (env JACE_RUNNER_GPU)
  --allow-unsandboxed       Run sandbox jobs without bubblewrap (env JACE_RUNNER_ALLOW_UNSANDBOXED)
  --allow-local-repositories  Let jobs clone local paths and plain http:// URLs; development
                            and tests only (env JACE_RUNNER_ALLOW_LOCAL_REPOSITORIES)
  --config-dir DIR          Where runner.json lives (env JACE_RUNNER_CONFIG)
  -h, --help                Show this help
`;

/** Share of the hardware warm models may fill: most of the VRAM, or half the RAM on CPU. */
function defaultMemoryBudget(caps: Capabilities): number {
  const vram = caps.gpus.reduce((sum, gpu) => sum + gpu.vramTotalBytes, 0);
  return Math.floor(vram > 0 ? vram * 0.9 : caps.ramBytes * 0.5);
}

export async function startCommand(args: string[], io: Io): Promise<number> {
  const { values } = parseCommandArgs("start", args, {
    ...configDirOption,
    ...settingsOptions,
    "drain-timeout": { type: "string" },
    "log-format": { type: "string" },
    verbose: { type: "boolean" },
  });
  if (values.help) {
    io.out(startHelp);
    return exitCodes.ok;
  }
  const format = values["log-format"] ?? "pretty";
  if (format !== "json" && format !== "pretty")
    throw new RunnerError(`--log-format must be json or pretty (got "${format}")`, { exitCode: exitCodes.usage });
  const drainTimeoutMs = parseDuration(values["drain-timeout"] ?? "5m", "--drain-timeout");
  const log = createLogger({ format: format as LogFormat, level: values.verbose ? "debug" : "info", write: (line) => io.err(`${line}\n`) });

  const enrollment = loadEnrollment({ configDirFlag: values["config-dir"], flags: settingsFlags(values), env: io.env });
  for (const warning of enrollment.warnings) log.warn(warning);
  const releaseLock = acquireRunnerLock(enrollment.configDir, { warn: (message) => log.warn(message) });
  try {
    return await run(enrollment, log, drainTimeoutMs);
  } finally {
    releaseLock();
  }
}

async function run(enrollment: Enrollment, log: Logger, drainTimeoutMs: number): Promise<number> {
  const { settings, file } = enrollment;
  mkdirSync(settings.modelsDir, { recursive: true });
  mkdirSync(settings.workDir, { recursive: true, mode: 0o700 });

  const gpu = settings.gpu === "cpu" ? false : settings.gpu;
  const detect = () =>
    detectCapabilities({
      modelsDir: settings.modelsDir,
      labels: settings.labels,
      maxConcurrentJobs: settings.maxJobs,
      allowUnsandboxed: settings.allowUnsandboxed,
      runnerVersion,
      gpu,
    });
  let initial: Capabilities | null = await detect();
  const memoryBudgetBytes = file.memoryBudgetBytes ?? defaultMemoryBudget(initial);
  const executor = createJobExecutor(
    {
      modelsDir: settings.modelsDir,
      workDir: settings.workDir,
      threads: settings.threads,
      allowUnsandboxed: settings.allowUnsandboxed,
      memoryBudgetBytes,
    },
    {
      gpu,
      allowLocalRepositories: settings.allowLocalRepositories,
      log: (level, message) => log[level](message, { component: "inference" }),
    },
  );
  log.info("runner starting", {
    name: file.name,
    runnerId: file.runnerId,
    server: settings.server,
    backend: initial.backend,
    models: initial.models.length,
    maxJobs: settings.maxJobs,
    sandboxes: initial.sandboxes.join(",") || "none",
  });

  const runner = await startRunner(
    {
      server: settings.server,
      runnerId: file.runnerId,
      privateKey: enrollment.privateKey,
      maxConcurrentJobs: settings.maxJobs,
      drainTimeoutMs,
    },
    {
      executor,
      log,
      capabilities: async () => {
        // The first report reuses the detection done above (llama.cpp start-up is slow).
        const caps = initial ?? (await detect());
        initial = null;
        return caps;
      },
    },
  );

  // bubblewrap may answer only on a retry (the first probe timed out on a busy machine): report it then.
  const unwatchSandbox = bwrapProber.onChange(() => void runner.refreshCapabilities());

  // A model added or pulled by another `jace-runner models` process shows up within seconds.
  let watcher: FSWatcher | null = null;
  let debounce: NodeJS.Timeout | undefined;
  try {
    watcher = watch(settings.modelsDir, () => {
      clearTimeout(debounce);
      debounce = setTimeout(() => void runner.refreshCapabilities(), 1_000);
    });
  } catch (error) {
    log.debug("cannot watch the models directory; relying on the periodic check", { error: (error as Error).message });
  }

  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals === 1) {
      log.info("stopping: finishing running jobs (send the signal again to stop them and give them back)", {
        signal,
        runningJobs: runner.runningJobs().length,
        drainTimeoutMs,
      });
      void runner.stop();
    } else if (signals === 2) {
      log.warn("stopping running jobs; they go back to the queue", { signal });
      runner.cancelJobs();
    } else {
      log.error("exiting without waiting", { signal });
      process.exit(130);
    }
  };
  const onHangup = () => void runner.refreshCapabilities();
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  process.on("SIGHUP", onHangup);

  const exit = await runner.done;
  process.off("SIGTERM", onSignal);
  process.off("SIGINT", onSignal);
  process.off("SIGHUP", onHangup);
  clearTimeout(debounce);
  watcher?.close();
  unwatchSandbox();
  await executor.close();

  if (exit.reason === "fatal") {
    // The message is for the operator, as the CLI's last word (main prints a RunnerError that way).
    throw new RunnerError(exit.message, { exitCode: exitCodes.fatal });
  }
  log.info("runner stopped", { undeliveredResults: exit.undelivered || undefined });
  return exitCodes.ok;
}
