import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { sandboxSpec, type SandboxOutput } from "../protocol";
import { createGitRepo } from "../testing/git-fixture";
import { BwrapProber } from "./bwrap-probe";
import { runSandboxJob, SANDBOX_UNAVAILABLE } from "./sandbox";
import type { JobContext } from "./types";

const root = mkdtempSync(join(tmpdir(), "jace-nobwrap-test-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const repo = createGitRepo(join(root, "repo"), { "hello.txt": "hello\n" });
const config = { modelsDir: join(root, "models"), workDir: join(root, "work"), threads: 1, memoryBudgetBytes: 1 << 30 };
// A machine without bubblewrap: the probe runs a command that does not exist.
const prober = new BwrapProber({ command: join(root, "no-such-bwrap") });
const options = { allowLocalRepositories: true, prober };
const spec = sandboxSpec.parse({ kind: "sandbox", repository: { url: repo }, steps: [{ name: "look", run: "cat hello.txt; env" }] });

function harness() {
  const chunks: string[] = [];
  const ctx: JobContext = {
    jobId: "j",
    signal: new AbortController().signal,
    emitChunk: (_stream, data) => chunks.push(data),
    emitProgress: () => {},
  };
  return { ctx, text: () => chunks.join("") };
}

describe("without bubblewrap", () => {
  it("refuses sandbox jobs and says how to fix it", async () => {
    const outcome = await runSandboxJob(spec, harness().ctx, { ...config, allowUnsandboxed: false }, options);
    expect(outcome.status).toBe("failed");
    expect(outcome.error).toContain(SANDBOX_UNAVAILABLE);
    expect(outcome.error).toContain("bwrap is not installed");
  });

  it("runs unsandboxed, with a warning and a clean environment, when the operator allows it", async () => {
    process.env.JACE_TEST_SECRET = "leaky-value-77aa";
    try {
      const h = harness();
      const outcome = await runSandboxJob(spec, h.ctx, { ...config, allowUnsandboxed: true }, options);
      expect((outcome.output as SandboxOutput).steps[0]?.exitCode).toBe(0);
      expect(h.text()).toContain("WITHOUT a sandbox");
      expect(h.text()).toContain("hello\n");
      expect(h.text()).not.toContain("leaky-value-77aa");
    } finally {
      delete process.env.JACE_TEST_SECRET;
    }
  });
});
