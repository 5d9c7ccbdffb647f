import { spawn } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunnerMessage } from "./protocol";
import { startFakeJaceServer, type FakeServer } from "./testing/fake-jace-server";

const BIN = fileURLToPath(new URL("../bin/jace-runner.js", import.meta.url));
const TOKEN = "jrt_sandbox_report_token_1234";

let server: FakeServer;
let home: string;
let env: Record<string, string>;
let ready: string;

beforeAll(async () => {
  server = await startFakeJaceServer({ tokens: [TOKEN], heartbeatIntervalMs: 1000, leaseTtlMs: 3000 });
  home = mkdtempSync(join(tmpdir(), "jace-sandbox-report-"));
  // A bwrap that fails the way a machine short of resources makes it fail, until `ready` exists.
  const bin = join(home, "bin");
  ready = join(home, "ready");
  mkdirSync(bin);
  writeFileSync(
    join(bin, "bwrap"),
    `#!/bin/sh\n[ -e "${ready}" ] && exit 0\necho "bwrap: Creating new namespace failed: Resource temporarily unavailable" >&2\nexit 1\n`,
  );
  chmodSync(join(bin, "bwrap"), 0o755);
  env = { PATH: `${bin}:${process.env.PATH ?? ""}`, HOME: home, JACE_RUNNER_CONFIG: join(home, "config") };
});

afterAll(async () => {
  await server.close();
  rmSync(home, { recursive: true, force: true });
});

function runCli(args: string[]) {
  const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d));
  child.stdout.resume();
  const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
  return { child, exited, stderr: () => stderr };
}

const sandboxesIn = (m: RunnerMessage) => (m.type === "auth" || m.type === "capabilities" ? m.capabilities.sandboxes : undefined);

describe("a runner whose first bubblewrap probe failed for a passing reason", () => {
  it("keeps probing and reports bubblewrap to the server once it works, without a restart", async () => {
    const enroll = runCli(["enroll", "--server", server.url, "--token", TOKEN, "--name", "busy-box"]);
    expect(await enroll.exited, enroll.stderr()).toBe(0);

    const start = runCli(["start", "--log-format", "json"]);
    try {
      const conn = await server.waitFor(() => server.connections.find((c) => c.authenticated), 30_000);
      expect(sandboxesIn(conn.messages[0]!)).toEqual([]);

      writeFileSync(ready, "");
      // Retries back off from 5 s; the periodic capabilities check (60 s) is far later than this.
      const report = await server.waitFor(
        () => conn.messages.find((m) => m.type === "capabilities" && sandboxesIn(m)?.includes("bwrap")),
        45_000,
      );
      expect(sandboxesIn(report)).toEqual(["bwrap"]);
    } finally {
      start.child.kill("SIGTERM");
      await start.exited;
    }
  }, 120_000);
});
