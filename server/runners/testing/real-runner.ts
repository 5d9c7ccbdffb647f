import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { expect } from "vitest";
import type { Db } from "../../db";
import { createEnrollmentToken } from "../enrollment";

/**
 * The real `jace-runner` CLI as child processes, for integration tests: enroll against a test app
 * server, start, wait until online, stop. Spawned asynchronously on purpose: the app answering the
 * enrollment lives in the test process.
 */

const bin = resolve(import.meta.dirname, "../../../gpu-runner/bin/jace-runner.js");

export type RealRunner = { name: string; configDir: string; runnerId: string; proc?: ChildProcess; output: string[] };

export type RunnerFleet = {
  enroll(name: string, opts?: { maxJobs?: number; labels?: string[] }): Promise<RealRunner>;
  start(runner: RealRunner): RealRunner;
  waitOnline(runner: RealRunner, timeoutMs?: number): Promise<void>;
  stop(runner: RealRunner): Promise<void>;
  killAll(): void;
};

/** Polls `read` until `ok` holds (usable in hooks, unlike expect.poll). */
export async function pollUntil<T>(read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last value ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function exited(proc: ChildProcess): Promise<number | null> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve(proc.exitCode);
  return new Promise((r) => proc.once("exit", (code) => r(code)));
}

export function runnerFleet(opts: {
  db: Db;
  appUrl: () => string;
  workspaceId: string;
  owner: { id: string; email: string };
  root: string;
  modelsDir: string;
}): RunnerFleet {
  const { db } = opts;
  const processes: ChildProcess[] = [];
  return {
    async enroll(name, o = {}) {
      const { token } = await createEnrollmentToken(
        db,
        opts.workspaceId,
        { type: "user", id: opts.owner.id, label: opts.owner.email },
        null,
        {
          labels: o.labels ?? [],
        },
      );
      const configDir = join(opts.root, `config-${name}`);
      const work = join(opts.root, `work-${name}`);
      mkdirSync(work, { recursive: true });
      const args = ["enroll", "--server", opts.appUrl(), "--name", name, "--config-dir", configDir, "--models-dir", opts.modelsDir];
      // One llama.cpp thread: two spin-wait on each other on a loaded 2-core machine (a 16-token
      // answer took 10-14 s instead of about 2 s with the load average near 20).
      args.push("--work-dir", work, "--threads", "1", "--max-jobs", String(o.maxJobs ?? 1));
      const proc = spawn(process.execPath, [bin, ...args], {
        env: { ...process.env, JACE_RUNNER_TOKEN: token },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let out = "";
      proc.stdout!.on("data", (d: Buffer) => (out += d.toString()));
      proc.stderr!.on("data", (d: Buffer) => (out += d.toString()));
      expect(await exited(proc), out).toBe(0);
      const runner = await db.runner.findFirstOrThrow({ where: { workspaceId: opts.workspaceId, name } });
      return { name, configDir, runnerId: runner.id, output: [] };
    },
    start(runner) {
      const proc = spawn(
        process.execPath,
        [bin, "start", "--config-dir", runner.configDir, "--log-format", "json", "--drain-timeout", "5s"],
        {
          env: { ...process.env, JACE_RUNNER_ALLOW_LOCAL_REPOSITORIES: "1" },
          stdio: ["ignore", "pipe", "pipe"],
        },
      );
      proc.stdout!.on("data", (d: Buffer) => runner.output.push(d.toString()));
      proc.stderr!.on("data", (d: Buffer) => runner.output.push(d.toString()));
      processes.push(proc);
      runner.proc = proc;
      return runner;
    },
    async waitOnline(runner, timeout = 30_000) {
      const status = async () => (await db.runner.findUniqueOrThrow({ where: { id: runner.runnerId } })).status;
      await pollUntil(status, (s) => s === "online" || s === "busy", timeout, `runner ${runner.name} online\n${runner.output.join("")}`);
    },
    async stop(runner) {
      if (!runner.proc || runner.proc.exitCode !== null) return;
      runner.proc.kill("SIGTERM");
      await exited(runner.proc);
      const status = async () => (await db.runner.findUniqueOrThrow({ where: { id: runner.runnerId } })).status;
      await pollUntil(status, (s) => s === "offline", 5000, `runner ${runner.name} offline`);
    },
    killAll() {
      for (const p of processes) if (p.exitCode === null) p.kill("SIGKILL");
    },
  };
}

function git(args: string[], cwd: string) {
  const r = spawnSync("git", args, {
    cwd,
    encoding: "utf8",
    env: { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@t", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@t" },
  });
  if (r.status !== 0) throw new Error(r.stderr);
}

/** A local git repository whose "tests" print a TAP summary: 3 passing, 1 failing. */
export function createTapRepo(dir: string): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "test.sh"),
    "#!/bin/sh\necho 'TAP version 13'\necho '1..4'\necho 'ok 1 adds'\necho 'ok 2 subtracts'\necho 'not ok 3 divides by zero'\necho 'ok 4 multiplies'\nexit 1\n",
  );
  git(["init", "-q", "-b", "main"], dir);
  git(["add", "."], dir);
  git(["commit", "-qm", "init"], dir);
  return dir;
}

/** Adds a Makefile whose `test` target runs `command` (test.sh), so Jace's test detection finds it. */
export function addMakefile(dir: string, command = "sh test.sh"): void {
  writeFileSync(join(dir, "Makefile"), `test:\n\t${command}\n`);
  git(["add", "."], dir);
  git(["commit", "-qm", "make test"], dir);
}
