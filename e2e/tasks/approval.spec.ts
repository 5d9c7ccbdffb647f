import { expect, test, type Page } from "@playwright/test";
import { signIn, uniqueEmail } from "../fixtures/auth";
import { enrollRunner, runnerHarness } from "../fixtures/runner";

/**
 * Tasks in the web app against the production build, with a real `jace-runner` and a tiny model:
 * custom work is planned, waits for approval, runs after Approve and shows its result, steps and
 * live logs; a question that needs approval can be rejected with a reason, replayed, and the
 * replay cancelled.
 */

test.describe.configure({ mode: "serial" });

const harness = runnerHarness();
const owner = uniqueEmail("task-owner");
const slug = `tasks-${Date.now().toString(36)}`;
const screens = "e2e/.artifacts/screens";

test.beforeAll(() => harness.setup());
test.afterAll(() => harness.teardown());

async function openNewTaskForm(page: Page) {
  await page.goto(`/w/${slug}/tasks`);
  await page.getByRole("link", { name: "New task" }).click();
  await expect(page).toHaveURL(new RegExp(`/w/${slug}/tasks/new$`));
}

test("creates custom work from the New task form, approves its plan, and watches it run to a result", async ({ page, request }) => {
  test.setTimeout(180_000);
  await signIn(page, owner);
  await page.getByLabel("Workspace name").fill("Task Team");
  await page.getByLabel("URL").fill(slug);
  await page.getByRole("button", { name: "Create workspace" }).click();
  await expect(page).toHaveURL(new RegExp(`/w/${slug}$`));

  await page.goto(`/w/${slug}/projects`);
  await page.getByRole("button", { name: "Create project" }).first().click();
  await page.getByRole("dialog").getByLabel("Name").fill("Billing API");
  await page.getByRole("dialog").getByRole("button", { name: "Create project" }).click();
  await expect(page.getByTestId("project-row").filter({ hasText: "Billing API" })).toBeVisible();

  await enrollRunner(page, harness, slug, "task-box");

  await page.goto(`/w/${slug}/tasks`);
  await expect(page.getByRole("heading", { name: "No tasks yet" })).toBeVisible();
  await page.screenshot({ path: `${screens}/tasks-empty.png`, fullPage: true });

  await page.getByRole("link", { name: "Start your first task" }).click();
  await page.getByRole("radio", { name: "Custom work" }).check();
  await expect(page.getByRole("checkbox", { name: "Require approval" })).toBeChecked();
  await expect(page.getByRole("checkbox", { name: "Require approval" })).toBeDisabled();
  // The server validates: an empty request comes back with its message under the field.
  await page.getByRole("button", { name: "Start task" }).click();
  await expect(page.getByText("Describe what Jace should do.")).toBeVisible();
  await page.screenshot({ path: `${screens}/task-new-error.png`, fullPage: true });

  await page.getByLabel("Instructions").fill("Write release notes for version 2.4 of the billing API.");
  await page.getByLabel("Title").fill("Release notes 2.4");
  await page.getByRole("button", { name: "Start task" }).click();
  await expect(page.getByRole("heading", { name: /#1 Release notes 2.4/ })).toBeVisible();
  await expect(page.getByTestId("task-logs-live")).toHaveText("Live");
  const taskUrl = page.url();
  expect(taskUrl).toMatch(new RegExp(`/w/${slug}/tasks/(?!new$)[a-z0-9]+$`));

  // The plan is drafted by the model on the runner, then the task waits.
  await expect(page.locator("[data-status=awaiting_approval]").first()).toBeVisible({ timeout: 60_000 });
  const plan = page.getByTestId("task-plan");
  await expect(plan.getByRole("button", { name: "Approve" })).toBeVisible();
  await expect(page.locator("[data-step=approval]")).toHaveAttribute("data-step-status", "waiting");
  await expect(page.getByTestId("task-logs")).toContainText("Waiting for an admin to approve the plan");
  // The run as the executor sees it: blocked on the approval event.
  await expect(page.getByTestId("run-status")).toHaveText("Running");
  await expect(page.getByTestId("run-waiting-for")).toHaveText("task/approved");
  await page.screenshot({ path: `${screens}/task-awaiting-approval.png`, fullPage: true });

  await plan.getByRole("button", { name: "Approve" }).click();
  await expect(page.locator("[data-status=succeeded]").first()).toBeVisible({ timeout: 90_000 });
  await expect(page.getByTestId("task-logs")).toContainText("Plan approved by");
  await expect(page.getByTestId("task-logs")).toContainText(/Task succeeded in/);
  await expect(page.getByTestId("task-result")).toBeVisible();
  await expect(page.getByTestId("plan-decision")).toContainText(`Approved by ${owner}`);
  await expect(page.getByTestId("run-status")).toHaveText("Completed", { timeout: 15_000 });
  for (const step of ["analyze", "plan", "approval", "execute", "usage", "deliver"]) {
    await expect(page.locator(`[data-step=${step}]`)).toHaveAttribute("data-step-status", "succeeded");
  }
  await page.screenshot({ path: `${screens}/task-succeeded.png`, fullPage: true });

  // result.md downloads with the session as an attachment; another browser without it gets 401.
  const href = await page.getByTestId("artifact-link").filter({ hasText: "result.md" }).getAttribute("href");
  const download = await page.request.get(href!);
  expect(download.status()).toBe(200);
  expect(download.headers()["content-disposition"]).toContain('attachment; filename="result.md"');
  expect(await download.text()).toContain("# Task #1: Release notes 2.4");
  expect((await request.get(href!)).status()).toBe(401);

  await page.getByRole("link", { name: "Tasks" }).first().click();
  const row = page.getByTestId("task-row").filter({ hasText: "Release notes 2.4" });
  await expect(row).toContainText("Succeeded");
  await expect(row).toContainText("Custom work · Billing API");
  await page.screenshot({ path: `${screens}/tasks-list.png`, fullPage: true });
  await row.getByRole("link").click();
  await expect(page).toHaveURL(taskUrl);
});

test("rejects a question's plan with a reason, replays it, and cancels the replay", async ({ page }) => {
  test.setTimeout(120_000);
  await signIn(page, owner, `/signin?callbackUrl=${encodeURIComponent(`/w/${slug}/tasks`)}`);
  // A second tab on the list follows the new task without a reload (the workspace's event stream).
  const list = await page.context().newPage();
  await list.goto(`/w/${slug}/tasks`);
  await expect(list.getByTestId("task-row")).toHaveCount(1);

  await openNewTaskForm(page);
  await page.getByRole("radio", { name: "Ask a question" }).check();
  await page.getByRole("textbox", { name: "Question" }).fill("Which endpoints of the billing API are deprecated?");
  await page.getByRole("checkbox", { name: "Require approval" }).check();
  await page.getByRole("button", { name: "Start task" }).click();
  await expect(page.getByRole("heading", { name: /#2 Which endpoints/ })).toBeVisible();
  await expect(page.locator("[data-status=awaiting_approval]").first()).toBeVisible({ timeout: 60_000 });
  await expect(list.getByTestId("task-row").filter({ hasText: "Which endpoints" })).toContainText("Awaiting approval");
  await list.close();

  await page.getByTestId("task-plan").getByRole("button", { name: "Reject" }).click();
  const dialog = page.getByRole("dialog", { name: "Reject this plan?" });
  await dialog.getByLabel("Reason").fill("Ask the API team instead.");
  await page.screenshot({ path: `${screens}/task-reject-dialog.png` });
  await dialog.getByRole("button", { name: "Reject plan" }).click();
  await expect(page.getByRole("alert").or(page.getByRole("status")).filter({ hasText: "Plan rejected" })).toBeVisible();
  await expect(page.getByTestId("task-error")).toContainText("Ask the API team instead.");
  await expect(page.locator("[data-status=cancelled]").first()).toBeVisible();
  await page.screenshot({ path: `${screens}/task-rejected.png`, fullPage: true });

  await page.getByRole("button", { name: "Replay" }).click();
  await expect(page.getByRole("heading", { name: /#3 Which endpoints/ })).toBeVisible();
  await expect(page.getByRole("link", { name: "task #2" })).toBeVisible();
  await expect(page.locator("[data-status=awaiting_approval]").first()).toBeVisible({ timeout: 60_000 });

  await page.getByRole("button", { name: "Cancel task" }).click();
  await page.getByRole("dialog", { name: "Cancel task #3?" }).getByRole("button", { name: "Cancel task" }).click();
  await expect(page.locator("[data-status=cancelled]").first()).toBeVisible();
  await expect(page.getByTestId("task-error")).toContainText(`Cancelled by ${owner}`);
  await expect(page.getByTestId("task-logs")).toContainText(`Cancelled by ${owner}`);
  await page.screenshot({ path: `${screens}/task-cancelled.png`, fullPage: true });

  // The list filters by status in the URL, with counts on the chips.
  await page.goto(`/w/${slug}/tasks`);
  await page.getByRole("button", { name: /^Cancelled/ }).click();
  await expect(page).toHaveURL(/status=cancelled/);
  await expect(page.getByTestId("task-row")).toHaveCount(2);
  await page.reload();
  await expect(page.getByRole("button", { name: /^Cancelled/ })).toHaveAttribute("aria-pressed", "true");
  await expect(page.getByTestId("task-row")).toHaveCount(2);
  await page.screenshot({ path: `${screens}/tasks-filtered.png`, fullPage: true });
});
