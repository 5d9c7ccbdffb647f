import { createPrivateKey, createPublicKey } from "node:crypto";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readRunnerFile } from "./config";
import { enroll } from "./enroll";
import { startFakeJaceServer, type FakeServer } from "./testing/fake-jace-server";
import { testCapabilities } from "./testing/fixtures";

const TOKEN = "jrt_enroll_token_1234567890";
let server: FakeServer;
let dir: string;

beforeEach(async () => {
  server = await startFakeJaceServer({ tokens: [TOKEN] });
  dir = mkdtempSync(join(tmpdir(), "jace-runner-enroll-"));
});
afterEach(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const options = () => ({ server: server.url, token: TOKEN, name: "gpu-box", configDir: dir, capabilities: testCapabilities });

describe("enroll", () => {
  it("registers a fresh Ed25519 public key and keeps the matching private key in a 0600 runner.json", async () => {
    const result = await enroll({ ...options(), settings: { labels: ["cuda"], maxJobs: 2 } });
    expect(result).toMatchObject({ runnerId: "runner_1", name: "gpu-box", workspace: { name: "Acme" } });

    const file = readRunnerFile(dir)!;
    expect(file).toMatchObject({ server: server.url, runnerId: "runner_1", labels: ["cuda"], maxJobs: 2, workspace: { slug: "acme" } });
    expect(statSync(result.configPath).mode & 0o777).toBe(0o600);
    const derived = createPublicKey(createPrivateKey(file.privateKey)).export({ type: "spki", format: "der" });
    expect(derived.equals(server.runners.get("runner_1")!.publicKey.export({ type: "spki", format: "der" }))).toBe(true);
    // The token is spent, never stored.
    expect(JSON.stringify(file)).not.toContain(TOKEN);
  });

  it("refuses to replace an existing enrollment unless forced", async () => {
    await enroll(options());
    await expect(enroll(options())).rejects.toThrow(/already enrolled.*--force/);
    await expect(enroll({ ...options(), force: true })).rejects.toThrow(
      "Enrollment failed: This enrollment token is invalid, expired or already used.",
    );
    expect(readRunnerFile(dir)?.runnerId).toBe("runner_1");
  });

  it("shows the server's error message", async () => {
    await expect(enroll({ ...options(), token: "jrt_wrong_token_000000" })).rejects.toThrow(
      /^Enrollment failed: This enrollment token is invalid/,
    );
    expect(readRunnerFile(dir)).toBeNull();
  });

  it("says when the address is not a Jace server", async () => {
    await expect(enroll({ ...options(), server: `${server.url}/nope` })).rejects.toThrow(/Not found/);
    const plain = await enroll({
      ...options(),
      fetch: async () => new Response("<html>", { status: 502, statusText: "Bad Gateway" }),
    }).catch((e: Error) => e.message);
    expect(plain).toBe("Enrollment failed: HTTP 502 Bad Gateway.");
  });

  it("says when the server cannot be reached", async () => {
    const url = server.url;
    await server.close();
    await expect(enroll({ ...options(), server: url })).rejects.toThrow(/^Could not reach http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
    server = await startFakeJaceServer();
  });

  it("rejects a malformed token before sending it anywhere", async () => {
    await expect(enroll({ ...options(), token: "short" })).rejects.toThrow(/invalid token/);
    expect(server.enrollments).toHaveLength(0);
  });
});
