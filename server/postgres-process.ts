import { execFile } from "node:child_process";
import { existsSync, readFileSync, realpathSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { promisify } from "node:util";

/**
 * What the app knows about the PostgreSQL process of its own data directory, so that a postmaster
 * left running by a crashed app (kill -9, OOM) is recognised and stopped instead of blocking the
 * next start, while a live app's or a stranger's server is left alone.
 */

const run = promisify(execFile);

/** The app that started the postmaster: written next to postmaster.pid once the server is up. */
const OWNER_FILE = "jace-owner.pid";

export type Postmaster = { pid: number; dataDir: string; port: number };

/** postmaster.pid: line 1 the pid, line 2 the data directory, line 4 the port. */
export function readPostmaster(dataDir: string): Postmaster | null {
  const file = join(dataDir, "postmaster.pid");
  if (!existsSync(file)) return null;
  const lines = readFileSync(file, "utf8").split("\n");
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0) return null;
  return { pid, dataDir: lines[1] ?? "", port };
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: alive but another user's (the postgres user's, seen from a non-root app).
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Parent pid and command line of a live process (ps works on Linux and macOS alike). */
async function describeProcess(pid: number): Promise<{ ppid: number; args: string } | null> {
  try {
    const { stdout } = await run("ps", ["-o", "ppid=,args=", "-p", String(pid)]);
    const match = /^\s*(\d+)\s+(.*)$/.exec(stdout.trim());
    return match ? { ppid: Number(match[1]), args: match[2]! } : null;
  } catch {
    return null; // ps exits 1 when the process is gone
  }
}

function samePath(a: string, b: string): boolean {
  const real = (p: string) => {
    try {
      return realpathSync(p);
    } catch {
      return resolve(p);
    }
  };
  return real(a) === real(b);
}

export function recordOwner(dataDir: string): void {
  writeFileSync(join(dataDir, OWNER_FILE), `${process.pid}\n`);
}

function recordedOwner(dataDir: string): number | null {
  try {
    const pid = Number(readFileSync(join(dataDir, OWNER_FILE), "utf8").trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

export type LeftOver =
  | { kind: "none" }
  /** Running for this data directory, and the app that started it is still its parent. */
  | { kind: "owned"; postmaster: Postmaster; owner: number }
  /** Running for this data directory with its app gone: safe to stop. */
  | { kind: "orphan"; postmaster: Postmaster };

/**
 * Whether a PostgreSQL server is running on `dataDir`: postmaster.pid names a live process whose
 * command line is a postgres on this directory (a pid reused after a reboot is not). It is the
 * running app's when its parent is the pid recorded at start, an orphan otherwise.
 */
export async function findLeftOver(dataDir: string): Promise<LeftOver> {
  const postmaster = readPostmaster(dataDir);
  if (!postmaster || !isAlive(postmaster.pid) || !samePath(postmaster.dataDir, dataDir)) return { kind: "none" };
  const proc = await describeProcess(postmaster.pid);
  if (!proc || !/postgres/.test(proc.args) || !proc.args.includes(postmaster.dataDir)) return { kind: "none" };
  const owner = recordedOwner(dataDir);
  if (owner !== null && owner !== process.pid && proc.ppid === owner && isAlive(owner)) return { kind: "owned", postmaster, owner };
  return { kind: "orphan", postmaster };
}

/**
 * Stops an orphaned postmaster with a fast shutdown (SIGINT: open transactions roll back, committed
 * data is flushed) and waits until it has exited. A server that ignores it for `timeoutMs` gets an
 * immediate shutdown (SIGQUIT; PostgreSQL recovers from its WAL on the next start).
 */
export async function stopOrphan(postmaster: Postmaster, timeoutMs = 30_000): Promise<void> {
  const exited = async (ms: number): Promise<boolean> => {
    const deadline = Date.now() + ms;
    while (isAlive(postmaster.pid)) {
      if (Date.now() > deadline) return false;
      await new Promise((r) => setTimeout(r, 50));
    }
    return true;
  };
  process.kill(postmaster.pid, "SIGINT");
  if (await exited(timeoutMs)) return;
  process.kill(postmaster.pid, "SIGQUIT");
  if (!(await exited(10_000))) {
    throw new Error(
      `The PostgreSQL server left running on ${postmaster.dataDir} (pid ${postmaster.pid}) did not stop; stop it and start again.`,
    );
  }
}

/**
 * As root, PostgreSQL runs as the `postgres` user, which must be able to enter every directory
 * above its binaries and its data. Returns the first directory above `path` it cannot enter
 * (going by mode bits), or null. `user` is the postgres user's ids, or null if it does not exist
 * yet (then it is neither owner nor group member of anything).
 */
export function firstUnreachableDirectory(path: string, user: { uid: number; gid: number } | null): string | null {
  const chain: string[] = [];
  for (let dir = dirname(resolve(path)); ; dir = dirname(dir)) {
    chain.unshift(dir);
    if (dirname(dir) === dir) break;
  }
  for (const dir of chain) {
    let st;
    try {
      st = statSync(dir);
    } catch {
      return null; // the rest does not exist yet and will be created for it
    }
    const bit = user && st.uid === user.uid ? 0o100 : user && st.gid === user.gid ? 0o010 : 0o001;
    if ((st.mode & bit) === 0) return dir;
  }
  return null;
}
