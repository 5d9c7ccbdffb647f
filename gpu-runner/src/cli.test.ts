import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readRunnerFile } from "./config";
import { startFakeJaceServer, type FakeServer } from "./testing/fake-jace-server";

const BIN = fileURLToPath(new URL("../bin/jace-runner.js", import.meta.url));
const TOKEN = "jrt_cli_enroll_token_123456";

type Run = { code: number | null; stdout: string; stderr: string };

/** Runs the real executable; `whenStarted` may signal it once stderr contains a line. */
function cli(args: string[], env: Record<string, string> = {}, whenStarted?: { line: RegExp; signal: NodeJS.Signals }): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { PATH: process.env.PATH ?? "", HOME: home, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let signalled = false;
    child.stdout.on("data", (d: Buffer) => (stdout += d));
    child.stderr.on("data", (d: Buffer) => {
      stderr += d;
      if (whenStarted && !signalled && whenStarted.line.test(stderr)) {
        signalled = true;
        child.kill(whenStarted.signal);
      }
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

let server: FakeServer;
let home: string;
let configDir: string;

beforeAll(async () => {
  server = await startFakeJaceServer({ tokens: [TOKEN], heartbeatIntervalMs: 200, leaseTtlMs: 600 });
  home = mkdtempSync(join(tmpdir(), "jace-runner-cli-"));
  configDir = join(home, "runner-config");
});
afterAll(async () => {
  await server.close();
  rmSync(home, { recursive: true, force: true });
});

describe("jace-runner (the executable)", () => {
  it("prints help and exits 0; an unknown command prints help and exits 2", async () => {
    const [ok, bad] = await Promise.all([cli(["--help"]), cli(["frobnicate"])]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^jace-runner \d+\.\d+\.\d+/);
    expect(ok.stdout).toContain("enroll --server URL --token T");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('Unknown command "frobnicate"');
    expect(bad.stderr).toContain("Usage: jace-runner <command>");
  });

  it("enrolls against the server with the token from the environment, then refuses to enroll twice", async () => {
    const run = await cli(["enroll", "--server", `${server.url}/`, "--name", "ci-box", "--labels", "ci,cpu", "--config-dir", configDir], {
      JACE_RUNNER_TOKEN: TOKEN,
    });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Enrolled as ci-box in workspace Acme. Start with: jace-runner start --config-dir ${configDir}`);
    expect(run.stdout + run.stderr).not.toContain(TOKEN);
    expect(run.stdout + run.stderr).not.toContain("PRIVATE KEY");

    const file = readRunnerFile(configDir)!;
    expect(file).toMatchObject({ server: server.url, runnerId: "runner_1", name: "ci-box", labels: ["ci", "cpu"] });
    expect(statSync(join(configDir, "runner.json")).mode & 0o777).toBe(0o600);
    expect(server.runners.get("runner_1")?.capabilities.labels).toEqual(["ci", "cpu"]);

    const again = await cli(["enroll", "--server", server.url, "--token", TOKEN, "--config-dir", configDir]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("already enrolled as ci-box (runner_1)");
    // Refused before any key is generated or request sent (the server's refusals are tested in enroll.test.ts).
    expect(server.enrollments).toHaveLength(1);
  });

  it("starts, authenticates, runs an offered job and drains on SIGTERM with exit 0", async () => {
    const connectionsBefore = server.connections.length;
    const started = server
      .waitFor(() => server.connections.slice(connectionsBefore).find((c) => c.authenticated), 15_000)
      .then((connection) => {
        // A model this runner does not have: the real job executor fails it quickly.
        connection.send({
          type: "job.offer",
          jobId: "job_cli",
          attempt: 1,
          timeoutMs: 10_000,
          spec: { kind: "inference", model: "missing-model", messages: [{ role: "user", content: "hi" }] },
        });
        return connection;
      });
    const run = await cli(
      ["start", "--config-dir", configDir, "--log-format", "json"],
      {},
      { line: /"event":"job finished"/, signal: "SIGTERM" },
    );
    const connection = await started;
    expect(run.code).toBe(0);
    const events = run.stderr
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { event: string });
    expect(events.map((e) => e.event)).toEqual(
      expect.arrayContaining(["runner starting", "connected", "job started", "job finished", "runner stopped"]),
    );
    expect(connection.messages.find((m) => m.type === "job.result")).toMatchObject({ jobId: "job_cli", status: "failed" });
    expect(connection.closed?.code).toBe(1000);
    expect(run.stderr).not.toContain("PRIVATE KEY");
  });

  it("refuses a second start with the same enrollment (exit 78) while the first runs, and starts once the first crashed", async () => {
    const first = spawn(process.execPath, [BIN, "start", "--config-dir", configDir, "--log-format", "json"], {
      env: { PATH: process.env.PATH ?? "", HOME: home },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let firstErr = "";
    first.stderr.on("data", (d: Buffer) => (firstErr += d));
    const firstExit = new Promise((resolve) => first.on("exit", resolve));
    try {
      await server.waitFor(() => firstErr.includes('"event":"connected"'), 15_000);
      const second = await cli(["start", "--config-dir", configDir]);
      expect(second.code).toBe(78);
      expect(second.stderr).toContain(`Another jace-runner (pid ${first.pid}, started `);
      expect(second.stderr).toContain("Run only one jace-runner per enrollment");
    } finally {
      first.kill("SIGKILL");
    }
    await firstExit;
    // Killed, it left its lock behind; that does not block the next start.
    const third = await cli(
      ["start", "--config-dir", configDir, "--log-format", "json"],
      {},
      { line: /"event":"connected"/, signal: "SIGTERM" },
    );
    expect(third.code, third.stderr).toBe(0);
  });

  it("exits 78 with a clear message, without retrying, when the runner was revoked", async () => {
    server.refuse.set("runner_1", 4003);
    const connectionsBefore = server.connections.length;
    const run = await cli(["start", "--config-dir", configDir]);
    expect(run.code).toBe(78);
    expect(run.stderr).toContain("This runner was revoked in the dashboard. Enroll it again with a new token.");
    expect(server.connections.length - connectionsBefore).toBe(1);
  });
});
