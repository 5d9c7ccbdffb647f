import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { sandboxSpec } from "../protocol";
import { createGitRepo } from "../testing/git-fixture";
import { BwrapProber, type BwrapProbe } from "./bwrap-probe";
import { runSandboxJob } from "./sandbox";
import type { JobContext } from "./types";

const root = mkdtempSync(join(tmpdir(), "jace-bwrap-probe-test-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const probers: BwrapProber[] = [];
afterEach(() => probers.splice(0).forEach((p) => p.close()));

/**
 * A stand-in for bwrap: logs each call, then hangs (like bwrap on a machine too busy to answer)
 * until `ready` exists, then behaves as `behaviour` says.
 */
function standIn(name: string, behaviour: "works" | "refuses" | "hangs-until-ready") {
  const dir = join(root, name);
  const script = join(dir, "bwrap");
  const ready = join(dir, "ready");
  const calls = join(dir, "calls");
  mkdirSync(dir);
  const body = {
    works: "exit 0",
    refuses: 'echo "bwrap: No permissions to create new namespace" >&2; exit 1',
    "hangs-until-ready": `[ -e "${ready}" ] && exit 0; exec sleep 600`,
  }[behaviour];
  writeFileSync(script, `#!/bin/sh\necho call >> "${calls}"\n${body}\n`);
  chmodSync(script, 0o755);
  return {
    script,
    makeReady: () => writeFileSync(ready, ""),
    calls: () => readFileSync(calls, "utf8").split("\n").filter(Boolean).length,
  };
}

function prober(command: string, timeoutMs = 2_000): BwrapProber {
  // Retries come quickly here; production waits seconds to minutes between them.
  const p = new BwrapProber({ command, timeoutMs, backoff: { baseMs: 20, capMs: 100 } });
  probers.push(p);
  return p;
}

describe("the bubblewrap probe", () => {
  it("retries after a timeout and announces bubblewrap once it answers", async () => {
    const bwrap = standIn("slow", "hangs-until-ready");
    const p = prober(bwrap.script);
    const changed = new Promise<BwrapProbe>((resolve) => p.onChange(resolve));

    const first = await p.probe();
    expect(first).toMatchObject({ available: false, state: "transient" });
    expect(first.detail).toMatch(/did not finish within 2 s.*busy/);

    bwrap.makeReady();
    // Waits for the retry that succeeds, however many timed out before it on a busy machine.
    await expect(changed).resolves.toMatchObject({ available: true, state: "ok" });
    expect(p.current()).toMatchObject({ available: true, state: "ok" });
    const calls = bwrap.calls();
    expect(calls).toBeGreaterThanOrEqual(2);
    // Definitive now: no more probes.
    await expect(p.probe()).resolves.toMatchObject({ state: "ok" });
    expect(bwrap.calls()).toBe(calls);
  });

  it("probes again on demand after a timeout, without waiting for the next retry", async () => {
    const bwrap = standIn("job", "hangs-until-ready");
    // Retries far apart: only the on-demand probe (what a sandbox job does) can find bwrap working.
    const p = new BwrapProber({ command: bwrap.script, timeoutMs: 2_000, backoff: { baseMs: 600_000, capMs: 600_000 } });
    probers.push(p);
    expect(await p.probe()).toMatchObject({ state: "transient" });
    bwrap.makeReady();
    expect(await p.probe()).toMatchObject({ state: "ok" });
  });

  it("fails a sandbox job on a transient failure rather than running it unsandboxed", async () => {
    const bwrap = standIn("never", "hangs-until-ready");
    const p = prober(bwrap.script, 300);
    const repo = createGitRepo(join(root, "repo"), { "a.txt": "a\n" });
    const spec = sandboxSpec.parse({ kind: "sandbox", repository: { url: repo }, steps: [{ name: "s", run: "true" }] });
    const ctx: JobContext = { jobId: "j", signal: new AbortController().signal, emitChunk: () => {}, emitProgress: () => {} };
    const config = { modelsDir: root, workDir: join(root, "work"), threads: 1, memoryBudgetBytes: 1 << 30, allowUnsandboxed: true };
    const outcome = await runSandboxJob(spec, ctx, config, { allowLocalRepositories: true, prober: p });
    expect(outcome).toMatchObject({ status: "failed", output: null });
    expect(outcome.error).toMatch(/sandbox check failed: bwrap did not finish/);
  });

  it("keeps a definitive answer: not installed, or refused by the kernel", async () => {
    const missing = prober(join(root, "nowhere", "bwrap"));
    expect(await missing.probe()).toEqual({ available: false, state: "missing", detail: "bwrap is not installed" });

    const bwrap = standIn("refused", "refuses");
    const refused = prober(bwrap.script);
    const result = await refused.probe();
    expect(result).toMatchObject({ available: false, state: "refused" });
    expect(result.detail).toMatch(/cannot create a sandbox: bwrap: No permissions/);
    expect(await refused.settled()).toBe(result);
    expect(await refused.probe()).toBe(result);
    expect(bwrap.calls()).toBe(1);
  });

  it("reports a working bwrap at once", async () => {
    const bwrap = standIn("works", "works");
    expect(await prober(bwrap.script).settled()).toMatchObject({ available: true, state: "ok" });
  });
});
