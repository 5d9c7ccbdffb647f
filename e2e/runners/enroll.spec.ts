import { expect, test } from "@playwright/test";
import { signIn, uniqueEmail } from "../fixtures/auth";
import { exitCode, runnerHarness } from "../fixtures/runner";

/**
 * Enrolling a real `jace-runner` from the Runners page of the production build: the page shows the
 * command, waits live, and shows the runner online with its model; revoking it from its page
 * makes the runner process exit.
 */

const harness = runnerHarness();
test.beforeAll(() => harness.setup());
test.afterAll(() => harness.teardown());

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

  const enroll = harness.run(["enroll", "--server", server!, "--name", "e2e-box", ...harness.configArgs()], { JACE_RUNNER_TOKEN: token! });
  expect(await exitCode(enroll), enroll.output()).toBe(0);
  const runner = harness.run(["start", "--config-dir", harness.configDir()]);

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
