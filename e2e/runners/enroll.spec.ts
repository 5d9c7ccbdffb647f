import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { expect, test } from "@playwright/test";
import { writeTinyGguf } from "../../gpu-runner/scripts/make-tiny-gguf";
import { signIn, uniqueEmail } from "../fixtures/auth";

/**
 * Enrolling a real `jace-runner` from the Runners page of the production build: the page shows the
 * command, waits live, and shows the runner online with its model; revoking it from its page
 * makes the runner process exit.
 */

const bin = resolve(import.meta.dirname, "../../gpu-runner/bin/jace-runner.js");
const processes: ChildProcess[] = [];
let dir = "";

test.beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "jace-e2e-runner-"));
  mkdirSync(join(dir, "models"));
  await writeTinyGguf(join(dir, "models", "tiny.gguf"), { seed: 1 });
});

test.afterAll(() => {
  for (const p of processes) if (p.exitCode === null) p.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

function run(args: string[], env: Record<string, string> = {}): ChildProcess & { output: () => string } {
  const proc = spawn(process.execPath, [bin, ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  proc.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  proc.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  processes.push(proc);
  return Object.assign(proc, { output: () => out });
}

function exitCode(proc: ChildProcess): Promise<number | null> {
  if (proc.exitCode !== null) return Promise.resolve(proc.exitCode);
  return new Promise((r) => proc.once("exit", (code) => r(code)));
}

test("enrolls a runner from the Runners page, sees it online live, and revokes it", async ({ page }, info) => {
  test.setTimeout(120_000);
  const slug = `gpu-${Date.now().toString(36)}`;
  await signIn(page, uniqueEmail("runner-owner"));
  await page.getByLabel("Workspace name").fill("GPU Team");
  await page.getByLabel("URL").fill(slug);
  await page.getByRole("button", { name: "Create workspace" }).click();
  await expect(page).toHaveURL(new RegExp(`/w/${slug}$`));

  await page.goto(`/w/${slug}/runners`);
  await page.getByRole("button", { name: "Add runner" }).first().click();
  await page.getByRole("button", { name: "Create command" }).click();
  const command = (await page.getByTestId("enroll-command").textContent()) ?? "";
  const token = command.match(/JACE_RUNNER_TOKEN=(\S+)/)?.[1];
  const server = command.match(/--server (\S+)/)?.[1];
  expect(token).toMatch(/^jrt_/);
  expect(server).toBe(info.project.use.baseURL);
  await expect(page.getByText("Waiting for the runner to connect")).toBeVisible();
  await page.screenshot({ path: "e2e/.artifacts/screens/runners-add-waiting.png" });

  const config = [
    "--config-dir",
    join(dir, "config"),
    "--models-dir",
    join(dir, "models"),
    "--work-dir",
    join(dir, "work"),
    "--threads",
    "1",
  ];
  const enroll = run(["enroll", "--server", server!, "--name", "e2e-box", ...config], { JACE_RUNNER_TOKEN: token! });
  expect(await exitCode(enroll), enroll.output()).toBe(0);
  const runner = run(["start", "--config-dir", join(dir, "config")]);

  await expect(page.getByText("e2e-box enrolled — online")).toBeVisible({ timeout: 30_000 });
  await page.screenshot({ path: "e2e/.artifacts/screens/runners-add-online.png" });
  await page.keyboard.press("Escape");
  const row = page.getByTestId("runner-row").filter({ hasText: "e2e-box" });
  await expect(row).toContainText("Online");
  await expect(row).toContainText("tiny");
  await page.screenshot({ path: "e2e/.artifacts/screens/runners-list.png", fullPage: true });

  await row.getByRole("link", { name: "e2e-box" }).first().click();
  await page.getByRole("button", { name: "Revoke" }).click();
  await page.getByRole("button", { name: "Revoke runner" }).click();
  expect(await exitCode(runner)).toBe(78);
  expect(runner.output()).toMatch(/revoked/i);
  await expect(page.getByText(/Revoked/).first()).toBeVisible();
  await page.screenshot({ path: "e2e/.artifacts/screens/runner-revoked.png", fullPage: true });
});
