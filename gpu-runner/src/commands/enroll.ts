import { hostname } from "node:os";
import { defaultConfigDir, readRunnerFile, resolveSettings, resolveToken, type RunnerFile } from "../config";
import { enroll } from "../enroll";
import { exitCodes, RunnerError } from "../errors";
import { detectCapabilities } from "../gpu";
import { runnerVersion } from "../version";
import { configDirFrom, configDirOption, parseCommandArgs, settingsFlags, settingsOptions, type Io } from "./shared";

export const enrollHelp = `Usage: jace-runner enroll --server URL --token TOKEN [options]

Registers this machine with a Jace workspace. Create the one-time token in the dashboard
(in the workspace's runner settings). A new Ed25519 key pair is generated; the private key is
stored in runner.json (mode 0600) and never leaves the machine. The token is not stored.

Options:
  --server URL            Address of the Jace app (env JACE_RUNNER_SERVER)
  --token TOKEN           One-time enrollment token (env JACE_RUNNER_TOKEN; preferred, flags show in ps)
  --name NAME             Name shown in the dashboard (default: the host name)
  --labels a,b            Labels to request; an admin's labels steer jobs (env JACE_RUNNER_LABELS)
  --models-dir DIR        GGUF models directory (default: <config-dir>/models)
  --work-dir DIR          Scratch space for sandboxed jobs (default: <config-dir>/work)
  --threads N             CPU threads for inference (default: half the logical CPUs)
  --max-jobs N            Jobs run at the same time (default 1)
  --gpu KIND              auto, cuda, vulkan, metal or cpu (default auto)
  --allow-unsandboxed     Run sandbox jobs without bubblewrap when it is missing
  --config-dir DIR        Where runner.json lives (env JACE_RUNNER_CONFIG, default ~/.config/jace-runner)
  --force                 Replace an existing enrollment
  -h, --help              Show this help

Settings given here are saved in runner.json and used by \`jace-runner start\`.
`;

export async function enrollCommand(args: string[], io: Io): Promise<number> {
  const { values } = parseCommandArgs("enroll", args, {
    ...configDirOption,
    ...settingsOptions,
    token: { type: "string" },
    name: { type: "string" },
    force: { type: "boolean" },
  });
  if (values.help) {
    io.out(enrollHelp);
    return exitCodes.ok;
  }
  const configDir = configDirFrom(values, io);
  const existing = values.force ? null : safeRead(configDir);
  const { settings, explicit } = resolveSettings({ flags: settingsFlags(values), env: io.env, configDir });
  const token = resolveToken(values.token, io.env);
  if (!settings.server)
    throw new RunnerError("Missing --server: the address of your Jace app, e.g. --server https://jace.example.com", {
      exitCode: exitCodes.usage,
    });
  if (!token)
    throw new RunnerError(
      "Missing --token: create an enrollment token in the dashboard (the workspace's runner settings) and pass it with --token or JACE_RUNNER_TOKEN.",
      { exitCode: exitCodes.usage },
    );
  if (existing)
    throw new RunnerError(
      `This machine is already enrolled as ${existing.name} (${existing.runnerId}) with ${existing.server}. Pass --force to replace the enrollment; revoke the old runner in the dashboard.`,
    );
  if (!/^https:/.test(settings.server) && !/^http:\/\/(localhost|127\.|\[::1\])/.test(settings.server)) {
    io.err(`warning: ${settings.server} is not HTTPS; the enrollment token travels unencrypted.\n`);
  }

  const capabilities = await detectCapabilities({
    modelsDir: settings.modelsDir,
    labels: settings.labels,
    maxConcurrentJobs: settings.maxJobs,
    allowUnsandboxed: settings.allowUnsandboxed,
    runnerVersion,
    gpu: settings.gpu === "cpu" ? false : settings.gpu,
  });
  // Persist what the operator chose (flags and environment), not the defaults, so defaults can improve.
  const saved: Partial<RunnerFile> = { labels: settings.labels };
  if (explicit.has("modelsDir")) saved.modelsDir = settings.modelsDir;
  if (explicit.has("workDir")) saved.workDir = settings.workDir;
  if (explicit.has("threads")) saved.threads = settings.threads;
  if (explicit.has("maxJobs")) saved.maxJobs = settings.maxJobs;
  if (explicit.has("allowUnsandboxed")) saved.allowUnsandboxed = settings.allowUnsandboxed;
  if (explicit.has("allowLocalRepositories")) saved.allowLocalRepositories = settings.allowLocalRepositories;
  if (explicit.has("gpu")) saved.gpu = settings.gpu;

  const result = await enroll({
    server: settings.server,
    token,
    name: typeof values.name === "string" ? values.name : hostname(),
    configDir,
    capabilities,
    settings: saved,
    force: Boolean(values.force),
  });
  const dirFlag = configDir === defaultConfigDir(io.env) ? "" : ` --config-dir ${configDir}`;
  io.out(`Enrolled as ${result.name} in workspace ${result.workspace.name}. Start with: jace-runner start${dirFlag}\n`);
  io.out(`Runner id ${result.runnerId}; key and settings saved to ${result.configPath}\n`);
  return exitCodes.ok;
}

/** The existing enrollment, if any; an unreadable file also counts as enrolled (needs --force). */
function safeRead(configDir: string): RunnerFile | null {
  try {
    return readRunnerFile(configDir);
  } catch (error) {
    throw new RunnerError(
      `${(error as Error).message.replace(/ Fix it or enroll again with --force\.$/, "")} Pass --force to enroll again.`,
    );
  }
}
