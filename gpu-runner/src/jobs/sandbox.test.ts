import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sandboxSpec, type SandboxOutput } from "../protocol";
import { createGitRepo } from "../testing/git-fixture";
import { startGitHttpServer } from "../testing/git-http-server";
import { bwrapProber } from "./bwrap-probe";
import { basicAuthValue } from "./git";
import { runSandboxJob } from "./sandbox";
import type { JobContext, JobsConfig } from "./types";

let root: string;
let repo: string;
let config: JobsConfig;

const testFile = `import test from "node:test";
import assert from "node:assert";
test("adds", () => assert.equal(1 + 1, 2));
test("concatenates", () => assert.equal("a" + "b", "ab"));
`;

beforeAll(async () => {
  // Every test here needs bubblewrap. On a loaded machine its probe can time out; wait until the
  // retries give a definitive answer instead of failing the jobs with "sandbox unavailable".
  expect(await bwrapProber.settled()).toMatchObject({ available: true });
  root = mkdtempSync(join(tmpdir(), "jace-sandbox-test-"));
  repo = createGitRepo(join(root, "repo"), {
    "package.json": JSON.stringify({ name: "fixture", type: "module", scripts: { test: "node --test --test-reporter=tap" } }),
    "test/math.test.mjs": testFile,
    "README.md": "fixture\n",
  });
  config = {
    modelsDir: join(root, "models"),
    workDir: join(root, "work"),
    threads: 1,
    allowUnsandboxed: false,
    memoryBudgetBytes: 1 << 30,
  };
}, 300_000);

afterAll(() => rmSync(root, { recursive: true, force: true }));

function harness(jobId = "job-1") {
  const chunks: { stream: string; data: string }[] = [];
  const controller = new AbortController();
  const ctx: JobContext = {
    jobId,
    signal: controller.signal,
    emitChunk: (stream, data) => chunks.push({ stream, data }),
    emitProgress: () => {},
  };
  return { ctx, controller, chunks, text: () => chunks.map((c) => c.data).join("") };
}

type SpecInput = { steps: { name: string; run: string; network?: boolean; timeoutMs?: number }[] } & Record<string, unknown>;
const spec = (input: SpecInput) => sandboxSpec.parse({ kind: "sandbox", repository: { url: repo }, ...input });
const run = (input: SpecInput, h = harness()) => runSandboxJob(spec(input), h.ctx, config, { allowLocalRepositories: true });
const sandboxOutput = (output: unknown) => output as SandboxOutput;

describe("runSandboxJob", () => {
  it("runs the steps in the checkout and reports exit codes, a TAP summary, artifacts and the patch", async () => {
    const h = harness();
    const outcome = await run(
      {
        steps: [
          { name: "where", run: "pwd && echo home=$HOME && git log --oneline | wc -l" },
          { name: "test", run: "npm test" },
          { name: "edit", run: "mkdir -p out && echo built > out/report.txt && echo changed >> README.md && echo new > added.txt" },
        ],
        artifacts: { paths: ["out/report.txt", "missing.txt"], patch: true },
      },
      h,
    );
    expect(outcome.status).toBe("succeeded");
    const output = sandboxOutput(outcome.output);
    expect(output.failed).toBe(false);
    expect(output.steps.map((s) => [s.name, s.exitCode, s.timedOut])).toEqual([
      ["where", 0, false],
      ["test", 0, false],
      ["edit", 0, false],
    ]);
    expect(h.text()).toContain("/work\nhome=/home/runner\n1\n");
    expect(output.summary).toMatchObject({ format: "tap", passed: 2, failed: 0, total: 2 });

    const artifacts = Object.fromEntries(output.artifacts.map((a) => [a.name, Buffer.from(a.contentBase64, "base64").toString()]));
    expect(artifacts["out/report.txt"]).toBe("built\n");
    expect(artifacts.patch).toContain("+changed");
    expect(artifacts.patch).toContain("+++ b/added.txt");
    expect(h.text()).toContain('artifact "missing.txt" was not found');
    expect(outcome.usage.wallSeconds).toBeGreaterThan(0);
    expect(readdirSync(config.workDir)).toEqual([]);
  });

  it("prefers a JUnit report written by the steps", async () => {
    const junit = `<testsuite name="s"><testcase name="ok"/><testcase name="bad"><failure message="nope"/></testcase></testsuite>`;
    const outcome = await run({
      steps: [{ name: "report", run: `mkdir -p reports && echo '${junit}' > reports/junit.xml && echo "  Tests  9 passed (9)"` }],
    });
    expect(sandboxOutput(outcome.output).summary).toMatchObject({
      format: "junit",
      passed: 1,
      failed: 1,
      failures: [{ name: "bad", message: "nope" }],
    });
  });

  // As root, permissions do not stop rm, so this only proves something for an ordinary user.
  it.skipIf(process.getuid?.() === 0)("cleans up even when a step leaves read-only directories behind", async () => {
    const outcome = await run({ steps: [{ name: "lock", run: "mkdir -p locked/inner && touch locked/inner/f && chmod -R a-w locked" }] });
    expect(sandboxOutput(outcome.output).failed).toBe(false);
    expect(readdirSync(config.workDir)).toEqual([]);
  });

  it("stops at the first failing step", async () => {
    const h = harness();
    const outcome = await run(
      {
        steps: [
          { name: "fails", run: "echo before; exit 3" },
          { name: "never", run: "echo SHOULD-NOT-RUN" },
        ],
      },
      h,
    );
    expect(outcome.status).toBe("succeeded");
    const output = sandboxOutput(outcome.output);
    expect(output.failed).toBe(true);
    expect(output.steps).toHaveLength(1);
    expect(output.steps[0]).toMatchObject({ name: "fails", exitCode: 3, timedOut: false });
    expect(h.text()).toContain("before");
    expect(h.text()).not.toContain("SHOULD-NOT-RUN");
  });

  it("kills a step, background processes included, when it exceeds its timeout", async () => {
    const h = harness();
    const outcome = await run(
      { steps: [{ name: "hangs", run: "(sleep 30; echo ORPHAN) & echo waiting; sleep 30; echo LATE", timeoutMs: 1000 }] },
      h,
    );
    const step = sandboxOutput(outcome.output).steps[0]!;
    expect(step.timedOut).toBe(true);
    expect(step.durationMs).toBeLessThan(10_000);
    expect(sandboxOutput(outcome.output).failed).toBe(true);
    expect(h.text()).toContain("waiting");
    expect(h.text()).not.toMatch(/LATE|ORPHAN/);
  });

  it("applies the memory limit", async () => {
    const h = harness();
    const outcome = await run(
      {
        steps: [{ name: "hog", run: `node -e "Buffer.alloc(400 * 1024 * 1024, 1); console.log('ALLOCATED')"` }],
        limits: { memoryBytes: 200 * 1024 * 1024 },
      },
      h,
    );
    expect(sandboxOutput(outcome.output).steps[0]!.exitCode).not.toBe(0);
    expect(h.text()).toMatch(/allocation failed|out of memory/i);
    expect(h.text()).not.toContain("ALLOCATED");
  });

  it("applies the CPU time limit", async () => {
    const outcome = await run({ steps: [{ name: "spin", run: "while :; do :; done", timeoutMs: 60_000 }], limits: { cpuSeconds: 1 } });
    const step = sandboxOutput(outcome.output).steps[0]!;
    expect(step.timedOut).toBe(false);
    expect(step.exitCode).toBe(128 + 24); // SIGXCPU
    expect(outcome.usage.cpuSeconds).toBeGreaterThan(0.5);
  });

  describe("network", () => {
    let server: Server;
    let port: number;
    let connections = 0;
    beforeAll(async () => {
      server = createServer((socket) => {
        connections++;
        socket.end();
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      port = (server.address() as { port: number }).port;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it("is unreachable unless the step asks for it", async () => {
      const probe = `node -e "require('net').connect(${port}, '127.0.0.1').on('connect', () => { console.log('CONNECTED'); process.exit(0) }).on('error', (e) => { console.log('NO-NETWORK ' + e.code); process.exit(0) })"`;
      const h = harness();
      const outcome = await run({ steps: [{ name: "offline", run: probe }] }, h);
      expect(outcome.status).toBe("succeeded");
      expect(h.text()).toContain("NO-NETWORK");
      expect(connections).toBe(0);

      const online = harness();
      await run({ steps: [{ name: "online", run: probe, network: true }] }, online);
      expect(online.text()).toContain("CONNECTED");
      expect(connections).toBe(1);
    });
  });

  it("does not pass the runner's environment to steps", async () => {
    process.env.JACE_TEST_SECRET = "leaky-value-5f1c";
    try {
      const h = harness();
      await run({ steps: [{ name: "env", run: "env" }] }, h);
      expect(h.text()).not.toContain("leaky-value-5f1c");
      expect(h.text()).toContain("CI=true");
      expect(h.text()).toContain("HOME=/home/runner");
    } finally {
      delete process.env.JACE_TEST_SECRET;
    }
  });

  it("clones with the token as a header only, and redacts it from output", async () => {
    const token = "ghs_testtoken1234567890";
    const projects = join(root, "served");
    createGitRepo(join(projects, "private"), { "leak.txt": `token=${token}\n` });
    execFileSync("git", ["clone", "--quiet", "--bare", join(projects, "private"), join(projects, "private.git")]);
    const server = await startGitHttpServer(projects, `basic ${basicAuthValue(token)}`);
    try {
      const h = harness();
      const outcome = await runSandboxJob(
        sandboxSpec.parse({
          kind: "sandbox",
          repository: { url: `${server.url}/private.git`, token },
          steps: [{ name: "look", run: "cat leak.txt; cat .git/config; echo remote=$(git remote get-url origin)" }],
        }),
        h.ctx,
        config,
        { allowLocalRepositories: true },
      );
      expect(outcome.error).toBeNull();
      expect(server.authorizations.length).toBeGreaterThan(0);
      expect(server.authorizations.every((a) => a === `basic ${basicAuthValue(token)}`)).toBe(true);
      expect(h.text()).toContain("token=***");
      expect(h.text()).toContain(`remote=${server.url}/private.git`);
      // .git/config is printed in full and must hold neither the token nor the header.
      expect(h.text()).not.toMatch(/extraheader|authorization/i);
      expect(JSON.stringify(outcome)).not.toContain(token);
      expect(h.text()).not.toContain(token);

      const refused = harness();
      const bad = await runSandboxJob(
        sandboxSpec.parse({
          kind: "sandbox",
          repository: { url: `${server.url}/private.git`, token: "wrong-token-123" },
          steps: [{ name: "x", run: "true" }],
        }),
        refused.ctx,
        config,
        { allowLocalRepositories: true },
      );
      expect(bad.status).toBe("failed");
      expect(bad.error).toMatch(/^clone failed/);
      expect(bad.error).not.toContain("wrong-token-123");
    } finally {
      await server.close();
    }
  });

  it("kills the running step when the job is cancelled", async () => {
    const h = harness();
    const started = Date.now();
    const pending = run(
      {
        steps: [
          { name: "long", run: "echo started; sleep 30" },
          { name: "next", run: "echo NEXT" },
        ],
      },
      h,
    );
    await expect.poll(() => h.text(), { timeout: 10_000 }).toContain("started");
    h.controller.abort();
    const outcome = await pending;
    expect(outcome.status).toBe("cancelled");
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(h.text()).not.toContain("NEXT");
    expect(readdirSync(config.workDir)).toEqual([]);
  });

  it("refuses local repositories unless explicitly allowed", async () => {
    const outcome = await runSandboxJob(spec({ steps: [{ name: "x", run: "true" }] }), harness().ctx, config);
    expect(outcome.status).toBe("failed");
    expect(outcome.error).toContain("local repositories are not allowed");
  });

  it("checks out the requested ref", async () => {
    execFileSync("git", ["-c", "user.name=T", "-c", "user.email=t@t", "checkout", "--quiet", "-b", "feature"], { cwd: repo });
    execFileSync(
      "sh",
      [
        "-c",
        "echo feature > feature.txt && git add . && git -c user.name=T -c user.email=t@t commit --quiet -m feature && git checkout --quiet main",
      ],
      { cwd: repo },
    );
    const h = harness();
    const outcome = await run({ repository: { url: repo, ref: "feature" }, steps: [{ name: "cat", run: "cat feature.txt" }] }, h);
    expect(sandboxOutput(outcome.output).failed).toBe(false);
    expect(h.text()).toContain("feature\n");
  });
});
