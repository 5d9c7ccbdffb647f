import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RunnerError } from "./errors";
import { acquireRunnerLock, isLiveRunner, LOCK_FILE } from "./lock";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "jace-runner-lock-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const writeLock = (pid: number, host = hostname()) =>
  writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid, host, startedAt: "2026-01-01T00:00:00.000Z" }));

describe("acquireRunnerLock", () => {
  it("takes the lock, refuses a second holder while the first lives, and frees it on release", () => {
    const release = acquireRunnerLock(dir, { isLive: () => true });
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), "utf8"))).toMatchObject({ pid: process.pid, host: hostname() });
    const second = (() => {
      try {
        acquireRunnerLock(dir, { isLive: () => true });
      } catch (error) {
        return error;
      }
    })();
    expect(second).toBeInstanceOf(RunnerError);
    expect((second as RunnerError).exitCode).toBe(78);
    expect((second as RunnerError).message).toMatch(
      new RegExp(`Another jace-runner \\(pid ${process.pid}, started .*\\) is already running`),
    );
    release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    acquireRunnerLock(dir, { isLive: () => true })();
  });

  it("takes over a lock left by a runner that is gone, or by another machine", () => {
    const gone = spawnSync(process.execPath, ["-e", ""]).pid!;
    writeLock(gone);
    const release = acquireRunnerLock(dir);
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), "utf8")).pid).toBe(process.pid);
    release();
    writeLock(process.pid, "another-machine");
    acquireRunnerLock(dir, { isLive: () => true })();
  });

  it("does not take a live process that is not a jace-runner (a reused pid) for one", () => {
    expect(isLiveRunner(process.pid)).toBe(!existsSync("/proc") || readFileSync("/proc/self/cmdline", "utf8").includes("jace-runner"));
    expect(isLiveRunner(spawnSync(process.execPath, ["-e", ""]).pid!)).toBe(false);
  });

  it("runs without a lock, with a warning, where none can be written", () => {
    const warnings: string[] = [];
    const release = acquireRunnerLock(join(dir, "missing"), { warn: (m) => warnings.push(m) });
    expect(warnings).toEqual([
      expect.stringMatching(/Cannot write .*runner\.lock \(ENOENT\): a second jace-runner on this machine is not prevented/),
    ]);
    release();
  });

  it("does not remove a lock another runner holds when releasing", () => {
    const release = acquireRunnerLock(dir);
    writeLock(12345);
    release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(true);
  });
});
