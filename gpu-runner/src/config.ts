import { createPrivateKey, type KeyObject } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { availableParallelism, homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { z } from "zod";
import { exitCodes, RunnerError } from "./errors";
import { capabilities } from "./protocol";

/**
 * The runner's configuration: flag > environment > runner.json > default. This module is the only
 * reader of process.env in the runner; everything else takes the resolved values as arguments.
 */

export const CONFIG_FILE = "runner.json";

export const envVars = {
  server: "JACE_RUNNER_SERVER",
  token: "JACE_RUNNER_TOKEN",
  configDir: "JACE_RUNNER_CONFIG",
  modelsDir: "JACE_RUNNER_MODELS_DIR",
  workDir: "JACE_RUNNER_WORK_DIR",
  threads: "JACE_RUNNER_THREADS",
  maxJobs: "JACE_RUNNER_MAX_JOBS",
  labels: "JACE_RUNNER_LABELS",
  allowUnsandboxed: "JACE_RUNNER_ALLOW_UNSANDBOXED",
  allowLocalRepositories: "JACE_RUNNER_ALLOW_LOCAL_REPOSITORIES",
  gpu: "JACE_RUNNER_GPU",
} as const;

export type Env = Record<string, string | undefined>;

const label = capabilities.shape.labels.element;

export function expandHome(path: string): string {
  return path === "~" ? homedir() : path.startsWith("~/") ? join(homedir(), path.slice(2)) : path;
}

/** `https://jace.example.com/` -> `https://jace.example.com`; rejects anything but http(s). */
export function normalizeServerUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new Error(`"${raw}" is not a URL; use the address of your Jace app, e.g. https://jace.example.com`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new Error(`"${raw}" must start with https:// (or http:// for a local server)`);
  if (url.username || url.password || url.search || url.hash)
    throw new Error(`"${raw}" must not contain credentials, a query or a fragment`);
  return `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
}

const serverUrl = z.string().transform((value, ctx) => {
  try {
    return normalizeServerUrl(value);
  } catch (error) {
    ctx.addIssue({ code: "custom", message: (error as Error).message });
    return z.NEVER;
  }
});
const path = z
  .string()
  .min(1, "must not be empty")
  .transform((p) => resolve(expandHome(p)));
const count = (max: number) => z.number().int().min(1).max(max);
const countText = (max: number) =>
  z
    .string()
    .regex(/^\s*\d+\s*$/, "must be a whole number")
    .transform(Number)
    .pipe(count(max));
const labelList = z.array(label).max(50);
const labelText = z
  .string()
  .transform((s) => [
    ...new Set(
      s
        .split(",")
        .map((l) => l.trim())
        .filter(Boolean),
    ),
  ])
  .pipe(labelList);
const booleanText = z
  .string()
  .transform((s) => s.trim().toLowerCase())
  .pipe(z.enum(["1", "true", "yes", "on", "0", "false", "no", "off"], { error: "must be true or false" }))
  .transform((s) => ["1", "true", "yes", "on"].includes(s));

export const gpuChoice = z.enum(["auto", "cuda", "vulkan", "metal", "cpu"], { error: "must be one of auto, cuda, vulkan, metal, cpu" });
export type GpuChoice = z.infer<typeof gpuChoice>;

/** runner.json: the enrollment plus any settings chosen at enroll time. Holds the private key. */
export const runnerFile = z.object({
  version: z.literal(1),
  server: serverUrl,
  runnerId: z.string().min(1).max(64),
  name: z.string().min(1).max(80),
  workspace: z.object({ slug: z.string(), name: z.string() }),
  privateKey: z.string().includes("PRIVATE KEY", { error: "must be a PKCS8 PEM private key" }),
  /** As returned at enrollment; informational (the runner derives its socket URL from `server`). */
  connectUrl: z.string().optional(),
  enrolledAt: z.string(),
  labels: labelList.default([]),
  modelsDir: z.string().min(1).optional(),
  workDir: z.string().min(1).optional(),
  threads: count(512).optional(),
  maxJobs: count(64).optional(),
  allowUnsandboxed: z.boolean().optional(),
  allowLocalRepositories: z.boolean().optional(),
  gpu: gpuChoice.optional(),
  /** VRAM (or RAM) the runner may fill with warm models; derived from the hardware when absent. */
  memoryBudgetBytes: z.number().int().positive().optional(),
});
export type RunnerFile = z.infer<typeof runnerFile>;
export type RunnerFileInput = z.input<typeof runnerFile>;

export type RunnerSettings = {
  server: string | undefined;
  modelsDir: string;
  workDir: string;
  threads: number;
  maxJobs: number;
  labels: string[];
  allowUnsandboxed: boolean;
  /** Lets jobs clone local paths, file:// and plain http:// URLs. For development and tests only. */
  allowLocalRepositories: boolean;
  gpu: GpuChoice;
};

/** Flag values as parseArgs returns them. */
export type SettingsFlags = Partial<Record<Exclude<keyof RunnerSettings, "allowUnsandboxed" | "allowLocalRepositories">, string>> & {
  allowUnsandboxed?: boolean;
  allowLocalRepositories?: boolean;
};

type SettingSpec<T> = {
  flag: string;
  env: string;
  text: z.ZodType<T, string>;
  file: z.ZodType<T, unknown>;
  fallback: (configDir: string) => T;
};

const settingSpecs: { [K in keyof RunnerSettings]: SettingSpec<RunnerSettings[K]> } = {
  server: { flag: "--server", env: envVars.server, text: serverUrl, file: serverUrl, fallback: () => undefined },
  modelsDir: { flag: "--models-dir", env: envVars.modelsDir, text: path, file: path, fallback: (dir) => join(dir, "models") },
  workDir: { flag: "--work-dir", env: envVars.workDir, text: path, file: path, fallback: (dir) => join(dir, "work") },
  // Half the logical CPUs approximates the physical cores; llama.cpp slows down on hyperthreads.
  threads: {
    flag: "--threads",
    env: envVars.threads,
    text: countText(512),
    file: count(512),
    fallback: () => Math.max(1, Math.floor(availableParallelism() / 2)),
  },
  maxJobs: { flag: "--max-jobs", env: envVars.maxJobs, text: countText(64), file: count(64), fallback: () => 1 },
  labels: { flag: "--labels", env: envVars.labels, text: labelText, file: labelList, fallback: () => [] },
  allowUnsandboxed: {
    flag: "--allow-unsandboxed",
    env: envVars.allowUnsandboxed,
    text: booleanText,
    file: z.boolean(),
    fallback: () => false,
  },
  allowLocalRepositories: {
    flag: "--allow-local-repositories",
    env: envVars.allowLocalRepositories,
    text: booleanText,
    file: z.boolean(),
    fallback: () => false,
  },
  gpu: { flag: "--gpu", env: envVars.gpu, text: gpuChoice, file: gpuChoice, fallback: () => "auto" },
};

function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => (issue.path.length ? `${issue.path.join(".")}: ${issue.message}` : issue.message)).join("; ");
}

/**
 * Merges the sources per setting. `explicit` lists the settings that came from a flag or the
 * environment (enroll persists exactly those, so defaults can still improve later).
 */
export function resolveSettings(input: { flags?: SettingsFlags; env?: Env; file?: RunnerFile | null; configDir: string }): {
  settings: RunnerSettings;
  explicit: Set<keyof RunnerSettings>;
} {
  const { flags = {}, env = process.env, file, configDir } = input;
  const problems: string[] = [];
  const explicit = new Set<keyof RunnerSettings>();
  const settings = {} as Record<keyof RunnerSettings, unknown>;

  for (const key of Object.keys(settingSpecs) as (keyof RunnerSettings)[]) {
    const spec = settingSpecs[key] as SettingSpec<unknown>;
    const flag = flags[key];
    const fromEnv = env[spec.env];
    const fromFile = file?.[key];
    let source: string;
    let result: z.ZodSafeParseResult<unknown>;
    if (flag !== undefined) {
      source = spec.flag;
      result = spec.text.safeParse(String(flag));
      explicit.add(key);
    } else if (fromEnv !== undefined && fromEnv !== "") {
      source = spec.env;
      result = spec.text.safeParse(fromEnv);
      explicit.add(key);
    } else if (fromFile !== undefined) {
      source = `"${key}" in ${join(configDir, CONFIG_FILE)}`;
      result = spec.file.safeParse(fromFile);
    } else {
      settings[key] = spec.fallback(configDir);
      continue;
    }
    if (result.success) settings[key] = result.data;
    else problems.push(`${source} ${describeIssues(result.error)}`);
  }

  if (problems.length) throw new RunnerError(`Invalid configuration:\n  ${problems.join("\n  ")}`, { exitCode: exitCodes.usage });
  return { settings: settings as RunnerSettings, explicit };
}

export function defaultConfigDir(env: Env = process.env): string {
  const xdg = env.XDG_CONFIG_HOME;
  return join(xdg ? xdg : join(homedir(), ".config"), "jace-runner");
}

export function resolveConfigDir(flag: string | undefined, env: Env = process.env): string {
  const chosen = flag ?? (env[envVars.configDir] || undefined);
  return chosen ? resolve(expandHome(chosen)) : defaultConfigDir(env);
}

/** The enrollment token: flag, else JACE_RUNNER_TOKEN (preferred: flags show up in `ps`). */
export function resolveToken(flag: string | undefined, env: Env = process.env): string | undefined {
  return flag ?? (env[envVars.token] || undefined);
}

export function configPath(configDir: string): string {
  return join(configDir, CONFIG_FILE);
}

/** Reads runner.json; null when the runner is not enrolled. Never echoes the file's contents. */
export function readRunnerFile(configDir: string): RunnerFile | null {
  const file = configPath(configDir);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new RunnerError(`Cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new RunnerError(`${file} is not valid JSON. Fix it or enroll again with --force.`);
  }
  const parsed = runnerFile.safeParse(json);
  if (!parsed.success) throw new RunnerError(`${file} is invalid (${describeIssues(parsed.error)}). Fix it or enroll again with --force.`);
  return parsed.data;
}

/**
 * Makes the config directory 0700: creates it so, or tightens it when it already exists (`models
 * add` before `enroll` creates it with the umask's 0755 as the parent of the default models dir).
 * The mode matters even with runner.json at 0600: the temp file and future files live there too.
 */
export function secureConfigDir(configDir: string): void {
  mkdirSync(configDir, { recursive: true, mode: 0o700 });
  if ((statSync(configDir).mode & 0o077) === 0) return;
  try {
    chmodSync(configDir, 0o700);
  } catch (error) {
    throw new RunnerError(`Cannot make ${configDir} private (chmod 700): ${(error as Error).message}`, { cause: error });
  }
}

/** Writes runner.json atomically, 0600 inside a 0700 directory (an existing directory is tightened). */
export function writeRunnerFile(configDir: string, data: RunnerFileInput): string {
  const content = runnerFile.parse(data);
  const file = configPath(configDir);
  secureConfigDir(dirname(file));
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600, flag: "w" });
  chmodSync(temp, 0o600);
  renameSync(temp, file);
  return file;
}

/** True when group or others can read the file (the private key would be exposed). */
export function isTooOpen(file: string): boolean {
  try {
    return (statSync(file).mode & 0o077) !== 0;
  } catch {
    return false;
  }
}

export type Enrollment = {
  configDir: string;
  configPath: string;
  file: RunnerFile;
  settings: RunnerSettings & { server: string };
  privateKey: KeyObject;
  warnings: string[];
};

/** Everything `start`, `status` and `doctor` need; a clear error when the runner is not enrolled. */
export function loadEnrollment(input: { configDirFlag?: string; flags?: SettingsFlags; env?: Env }): Enrollment {
  const env = input.env ?? process.env;
  const configDir = resolveConfigDir(input.configDirFlag, env);
  const file = readRunnerFile(configDir);
  if (!file) {
    throw new RunnerError(
      `This machine is not enrolled (no ${configPath(configDir)}). Run: jace-runner enroll --server URL --token TOKEN`,
      {
        exitCode: exitCodes.fatal,
      },
    );
  }
  const { settings } = resolveSettings({ flags: input.flags, env, file, configDir });
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(file.privateKey);
  } catch {
    throw new RunnerError(`${configPath(configDir)} holds an unreadable private key. Enroll again with --force.`, {
      exitCode: exitCodes.fatal,
    });
  }
  if (privateKey.asymmetricKeyType !== "ed25519") {
    throw new RunnerError(`${configPath(configDir)} holds a ${privateKey.asymmetricKeyType} key, not Ed25519. Enroll again with --force.`, {
      exitCode: exitCodes.fatal,
    });
  }
  const warnings = isTooOpen(configPath(configDir))
    ? [`${configPath(configDir)} is readable by other users; run: chmod 600 ${configPath(configDir)}`]
    : [];
  // Enrollments made before the directory was tightened on write get fixed on their next start.
  try {
    secureConfigDir(configDir);
  } catch {
    warnings.push(`${configDir} is open to other users and could not be tightened; run: chmod 700 ${configDir}`);
  }
  return {
    configDir,
    configPath: configPath(configDir),
    file,
    settings: { ...settings, server: settings.server ?? file.server },
    privateKey,
    warnings,
  };
}
