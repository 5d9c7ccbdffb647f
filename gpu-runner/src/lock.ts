import { readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { exitCodes, RunnerError } from "./errors";

/**
 * One `jace-runner start` per enrollment on a machine: a lock file next to runner.json holds the
 * running process's pid. A second start finds a live pid there and refuses; a lock left by a
 * runner that crashed (its pid gone, or reused by another program) does not block. Two machines
 * sharing one enrollment are caught by the server instead (close code 4008).
 */

export const LOCK_FILE = "runner.lock";

type Holder = { pid: number; host: string; startedAt: string };

/** Whether `pid` is a live jace-runner process (on Linux, its command line says so). */
export function isLiveRunner(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("jace-runner");
  } catch {
    return true; // no /proc (macOS): a live pid is taken at its word
  }
}

function readHolder(file: string): Holder | null {
  try {
    const parsed = JSON.parse(readFileSync(file, "utf8")) as Partial<Holder>;
    return typeof parsed.pid === "number"
      ? { pid: parsed.pid, host: String(parsed.host ?? ""), startedAt: String(parsed.startedAt ?? "") }
      : null;
  } catch {
    return null;
  }
}

/**
 * Takes the lock or throws a RunnerError naming the process that holds it. Returns the release
 * function. A configuration directory where no lock can be written (a read-only mount) is no reason
 * not to run: `warn` is told, and the server still refuses a second connection.
 */
export function acquireRunnerLock(
  configDir: string,
  options: { isLive?: (pid: number) => boolean; warn?: (message: string) => void } = {},
): () => void {
  const { isLive = isLiveRunner, warn = () => {} } = options;
  const file = join(configDir, LOCK_FILE);
  const mine: Holder = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, `${JSON.stringify(mine)}\n`, { flag: "wx", mode: 0o600 });
      return () => {
        // Only our own lock: a second runner may have replaced a lock it judged stale.
        if (readHolder(file)?.pid === process.pid) unlinkSync(file);
      };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "EEXIST") {
        warn(`Cannot write ${file} (${code ?? String(error)}): a second jace-runner on this machine is not prevented locally.`);
        return () => {};
      }
    }
    const holder = readHolder(file);
    if (holder && holder.host === mine.host && isLive(holder.pid)) {
      throw new RunnerError(
        `Another jace-runner (pid ${holder.pid}, started ${holder.startedAt}) is already running with this enrollment (${configDir}). ` +
          "Run only one jace-runner per enrollment: stop that one first, or enroll a second runner with its own --config-dir.",
        { exitCode: exitCodes.fatal },
      );
    }
    // A stale lock (crashed runner, or a config directory copied from another machine).
    try {
      unlinkSync(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
  }
  throw new RunnerError(`Another jace-runner is starting with this enrollment (${configDir}) at the same moment. Start only one.`, {
    exitCode: exitCodes.fatal,
  });
}
