import { parseArgs, type ParseArgsConfig } from "node:util";
import { resolveConfigDir, type Env, type SettingsFlags } from "../config";
import { exitCodes, RunnerError } from "../errors";
import { describeFetchError } from "../enroll";
import { runnerVersion } from "../version";

/** Where a command writes; the real process streams, or buffers in tests. */
export type Io = {
  out: (text: string) => void;
  err: (text: string) => void;
  /** True when stderr is a terminal (progress bars redraw in place). */
  errIsTty: boolean;
  env?: Env;
};

export const processIo: Io = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
  errIsTty: Boolean(process.stderr.isTTY),
};

export type OptionsConfig = NonNullable<ParseArgsConfig["options"]>;

export const configDirOption = { "config-dir": { type: "string" } } as const satisfies OptionsConfig;

/** The settings every command that touches the machine accepts; see config.ts for precedence. */
export const settingsOptions = {
  server: { type: "string" },
  "models-dir": { type: "string" },
  "work-dir": { type: "string" },
  threads: { type: "string" },
  "max-jobs": { type: "string" },
  labels: { type: "string" },
  "allow-unsandboxed": { type: "boolean" },
  "allow-local-repositories": { type: "boolean" },
  gpu: { type: "string" },
} as const satisfies OptionsConfig;

type Values = Record<string, string | boolean | (string | boolean)[] | undefined>;
const str = (v: Values[string]) => (typeof v === "string" ? v : undefined);

export function settingsFlags(values: Values): SettingsFlags {
  return {
    server: str(values.server),
    modelsDir: str(values["models-dir"]),
    workDir: str(values["work-dir"]),
    threads: str(values.threads),
    maxJobs: str(values["max-jobs"]),
    labels: str(values.labels),
    allowUnsandboxed: typeof values["allow-unsandboxed"] === "boolean" ? values["allow-unsandboxed"] : undefined,
    allowLocalRepositories: typeof values["allow-local-repositories"] === "boolean" ? values["allow-local-repositories"] : undefined,
    gpu: str(values.gpu),
  };
}

export function configDirFrom(values: Values, io: Io): string {
  return resolveConfigDir(str(values["config-dir"]), io.env);
}

/** parseArgs with errors an operator can act on (exit 2 and a pointer to the command's help). */
export function parseCommandArgs<O extends OptionsConfig>(command: string, args: string[], options: O, allowPositionals = false) {
  try {
    return parseArgs({ args, options: { ...options, help: { type: "boolean", short: "h" } }, allowPositionals, strict: true });
  } catch (error) {
    throw new RunnerError(`${(error as Error).message.split("\n")[0]}\nSee: jace-runner ${command} --help`, { exitCode: exitCodes.usage });
  }
}

/** "300", "300s", "5m", "1h", "1500ms" -> milliseconds (a bare number is seconds). */
export function parseDuration(text: string, flag: string): number {
  const match = /^(\d+)(ms|s|m|h)?$/.exec(text.trim());
  if (!match) throw new RunnerError(`${flag} must be a duration like 300s, 5m or 1h (got "${text}")`, { exitCode: exitCodes.usage });
  const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[(match[2] ?? "s") as "ms" | "s" | "m" | "h"];
  return Number(match[1]) * unit;
}

export type Reachability = { ok: true; detail: string } | { ok: false; detail: string };

/** GET /api/health: is the app reachable from here, and how fast. */
export async function checkServer(server: string, timeoutMs = 5_000): Promise<Reachability> {
  const started = Date.now();
  try {
    const response = await fetch(`${server}/api/health`, {
      headers: { "user-agent": `jace-runner/${runnerVersion}` },
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.body?.cancel();
    const ms = Date.now() - started;
    return response.ok
      ? { ok: true, detail: `reachable (HTTP ${response.status}, ${ms} ms)` }
      : { ok: false, detail: `answered HTTP ${response.status} on /api/health` };
  } catch (error) {
    return { ok: false, detail: describeFetchError(server, error) };
  }
}

export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

/** Left-aligned columns for plain terminal tables. */
export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  ")).join("\n") + "\n";
}
