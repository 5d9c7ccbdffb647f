import { expect, test, type Locator, type Page } from "@playwright/test";
import { signIn, uniqueEmail } from "../fixtures/auth";

/**
 * A person who clicks twice creates one thing. The second click is sent within the same browser
 * task as the first (a double click faster than React re-renders the disabled button), so both
 * submissions reach the server; the form's idempotency key makes the second return the first.
 */

test.describe.configure({ mode: "serial" });

const owner = uniqueEmail("double-clicker");
const slug = `twice-${Date.now().toString(36)}`;

/** Clicks twice in one task, as the fastest double click does. */
const clickTwice = (button: Locator) => button.evaluate((b: HTMLElement) => (b.click(), b.click()));

/** Counts the tRPC calls of one procedure the page sends (batched calls included). */
function countCalls(page: Page, procedure: string): () => number {
  let calls = 0;
  page.on("request", (req) => {
    const path = new URL(req.url()).pathname;
    if (req.method() === "POST" && path.startsWith("/api/trpc/")) {
      calls += path
        .slice("/api/trpc/".length)
        .split(",")
        .filter((p) => p === procedure).length;
    }
  });
  return () => calls;
}

test("double-clicking Create project, Start task and Invite creates one of each", async ({ page }) => {
  test.setTimeout(120_000);
  await signIn(page, owner);
  await page.getByLabel("Workspace name").fill("Twice");
  await page.getByLabel("URL").fill(slug);
  await page.getByRole("button", { name: "Create workspace" }).click();
  await expect(page).toHaveURL(new RegExp(`/w/${slug}$`));

  const projectCalls = countCalls(page, "project.create");
  await page.goto(`/w/${slug}/projects`);
  await page.getByRole("button", { name: "Create project" }).first().click();
  await page.getByRole("dialog").getByLabel("Name").fill("Website");
  await clickTwice(page.getByRole("dialog").getByRole("button", { name: "Create project" }));
  await expect(page.getByTestId("project-row").filter({ hasText: "Website" })).toBeVisible();
  expect(projectCalls()).toBe(2);
  await page.reload();
  await expect(page.getByTestId("project-row")).toHaveCount(1);

  const taskCalls = countCalls(page, "task.create");
  await page.goto(`/w/${slug}/tasks/new`);
  await page.getByRole("textbox", { name: "Question" }).fill("What changed in the last release?");
  await clickTwice(page.getByRole("button", { name: "Start task" }));
  await expect(page.getByRole("heading", { name: /#1 What changed/ })).toBeVisible();
  expect(taskCalls()).toBe(2);
  await page.goto(`/w/${slug}/tasks`);
  await expect(page.getByTestId("task-row")).toHaveCount(1);

  const inviteCalls = countCalls(page, "member.invite");
  const teammate = uniqueEmail("invited-once");
  await page.goto(`/w/${slug}/settings/members`);
  await page.getByLabel("Email address").fill(teammate);
  await clickTwice(page.getByRole("button", { name: "Invite" }));
  await expect(page.getByText(`Invitation sent to ${teammate}.`)).toBeVisible();
  expect(inviteCalls()).toBe(2);
  await expect(page.getByTestId("invitation-row")).toHaveCount(1);
  // One mail, and its link still works (a second invitation used to revoke the first).
  await page.goto(`/dev/mailbox?to=${encodeURIComponent(teammate)}`);
  await expect(page.getByRole("link", { name: /invited to Twice/ })).toHaveCount(1);
});
