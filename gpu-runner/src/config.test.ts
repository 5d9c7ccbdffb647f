import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  loadEnrollment,
  normalizeServerUrl,
  readRunnerFile,
  resolveConfigDir,
  resolveSettings,
  writeRunnerFile,
  type RunnerFile,
} from "./config";
import { ed25519 } from "./testing/fixtures";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "jace-runner-config-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function fileWith(overrides: Partial<RunnerFile> = {}): RunnerFile {
  return {
    version: 1,
    server: "https://file.example.com",
    runnerId: "runner_1",
    name: "gpu-box",
    workspace: { slug: "acme", name: "Acme" },
    privateKey: ed25519().privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    enrolledAt: "2030-01-01T00:00:00.000Z",
    labels: ["file-label"],
    threads: 3,
    maxJobs: 2,
    ...overrides,
  };
}

describe("resolveSettings", () => {
  it("takes a flag over the environment over runner.json over the default", () => {
    const { settings, explicit } = resolveSettings({
      configDir: dir,
      file: fileWith(),
      env: { JACE_RUNNER_THREADS: "6", JACE_RUNNER_MAX_JOBS: "4", JACE_RUNNER_SERVER: "https://env.example.com/" },
      flags: { threads: "8" },
    });
    expect(settings).toMatchObject({
      threads: 8, // flag
      maxJobs: 4, // env
      server: "https://env.example.com", // env, normalized
      labels: ["file-label"], // file
      modelsDir: join(dir, "models"), // default
      workDir: join(dir, "work"),
      allowUnsandboxed: false,
    });
    expect([...explicit].sort()).toEqual(["maxJobs", "server", "threads"]);
  });

  it("parses comma-separated labels and boolean words", () => {
    const { settings } = resolveSettings({
      configDir: dir,
      env: { JACE_RUNNER_LABELS: "gpu, cuda ,gpu,", JACE_RUNNER_ALLOW_UNSANDBOXED: "yes" },
    });
    expect(settings.labels).toEqual(["gpu", "cuda"]);
    expect(settings.allowUnsandboxed).toBe(true);
    expect(
      resolveSettings({ configDir: dir, env: { JACE_RUNNER_ALLOW_UNSANDBOXED: "yes" }, flags: { allowUnsandboxed: false } }).settings
        .allowUnsandboxed,
    ).toBe(false);
  });

  it("names the variable or flag that is wrong, all at once", () => {
    expect(() =>
      resolveSettings({
        configDir: dir,
        env: { JACE_RUNNER_THREADS: "many", JACE_RUNNER_ALLOW_UNSANDBOXED: "maybe" },
        flags: { labels: "Bad Label", server: "ftp://x" },
      }),
    ).toThrow(
      /--server .*https:\/\/[\s\S]*JACE_RUNNER_THREADS must be a whole number[\s\S]*--labels[\s\S]*JACE_RUNNER_ALLOW_UNSANDBOXED must be true or false/,
    );
  });

  it("rejects a job count beyond the protocol's maximum", () => {
    expect(() => resolveSettings({ configDir: dir, flags: { maxJobs: "65" } })).toThrow(/--max-jobs/);
  });
});

describe("normalizeServerUrl", () => {
  it("strips trailing slashes and keeps a path prefix", () => {
    expect(normalizeServerUrl("https://jace.example.com/")).toBe("https://jace.example.com");
    expect(normalizeServerUrl("http://localhost:3000/jace//")).toBe("http://localhost:3000/jace");
  });
  it("refuses credentials in the URL", () => {
    expect(() => normalizeServerUrl("https://user:pw@jace.example.com")).toThrow(/credentials/);
  });
});

describe("runner.json", () => {
  it("is written with mode 0600 in a 0700 directory and read back", () => {
    const configDir = join(dir, "nested", "jace-runner");
    const path = writeRunnerFile(configDir, fileWith());
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(configDir).mode & 0o777).toBe(0o700);
    expect(readRunnerFile(configDir)).toMatchObject({ runnerId: "runner_1", threads: 3 });
  });

  it("tightens a config directory that `models add` created 0755 before enroll, and on start", () => {
    const configDir = join(dir, "jace-runner");
    // What addModel does for the default models dir: the config dir appears with the umask's mode.
    mkdirSync(join(configDir, "models"), { recursive: true });
    chmodSync(configDir, 0o755);
    writeRunnerFile(configDir, fileWith());
    expect(statSync(configDir).mode & 0o777).toBe(0o700);

    // An enrollment written before this fix is tightened when the runner loads it.
    chmodSync(configDir, 0o755);
    expect(loadEnrollment({ configDirFlag: configDir, env: {} }).warnings).toEqual([]);
    expect(statSync(configDir).mode & 0o777).toBe(0o700);
  });

  it("stays 0600 when rewritten over a file someone made world-readable", () => {
    writeRunnerFile(dir, fileWith());
    chmodSync(join(dir, "runner.json"), 0o644);
    writeRunnerFile(dir, fileWith({ runnerId: "runner_2" }));
    expect(statSync(join(dir, "runner.json")).mode & 0o777).toBe(0o600);
  });

  it("reports an invalid file without echoing its contents", () => {
    const file = fileWith();
    writeFileSync(join(dir, "runner.json"), JSON.stringify({ ...file, privateKey: "hunter2-secret", threads: 0 }));
    let message = "";
    try {
      readRunnerFile(dir);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/privateKey: must be a PKCS8 PEM private key/);
    expect(message).toMatch(/threads/);
    expect(message).not.toContain("hunter2");
  });

  it("returns null when not enrolled, and loadEnrollment says how to enroll", () => {
    expect(readRunnerFile(dir)).toBeNull();
    expect(() => loadEnrollment({ configDirFlag: dir, env: {} })).toThrow(/not enrolled.*jace-runner enroll --server URL --token TOKEN/);
  });

  it("loads the enrollment with the key, applying overrides and warning about open permissions", () => {
    writeRunnerFile(dir, fileWith());
    chmodSync(join(dir, "runner.json"), 0o644);
    const enrollment = loadEnrollment({ configDirFlag: dir, env: { JACE_RUNNER_MODELS_DIR: "/srv/models" }, flags: {} });
    expect(enrollment.privateKey.asymmetricKeyType).toBe("ed25519");
    expect(enrollment.settings).toMatchObject({ server: "https://file.example.com", modelsDir: "/srv/models", maxJobs: 2 });
    expect(enrollment.warnings[0]).toMatch(/chmod 600/);
    expect(readFileSync(join(dir, "runner.json"), "utf8")).toContain("BEGIN PRIVATE KEY");
  });
});

describe("resolveConfigDir", () => {
  it("prefers --config-dir, then JACE_RUNNER_CONFIG, then XDG_CONFIG_HOME", () => {
    expect(resolveConfigDir("/a", { JACE_RUNNER_CONFIG: "/b" })).toBe("/a");
    expect(resolveConfigDir(undefined, { JACE_RUNNER_CONFIG: "/b" })).toBe("/b");
    expect(resolveConfigDir(undefined, { XDG_CONFIG_HOME: "/xdg" })).toBe("/xdg/jace-runner");
  });
});
