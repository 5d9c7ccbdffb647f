import { expect, test } from "@playwright/test";
import { followMailLink, signIn, uniqueEmail } from "../fixtures/auth";

/**
 * A newcomer's path, page by page: the landing page promises only channels that exist, sign-in says
 * each problem once and names the address the link went to, an invitation opened while signed out
 * says who invited you where, and the Overview's checklist reflects the workspace's real state.
 */

test.describe.configure({ mode: "serial" });

const owner = uniqueEmail("newcomer-owner");
const teammate = uniqueEmail("newcomer-mate");
const slug = `newcomer-${Date.now().toString(36)}`;
const screens = "e2e/.artifacts/screens";

test("the landing page names only the channels that exist", async ({ page }) => {
  await page.goto("/");
  await expect(page.getByRole("heading", { name: "Requests start wherever your team already works" })).toBeVisible();
  await expect(page.locator("body")).not.toContainText(/GitHub|Gmail|Telegram|Trello/);
  await expect(page.locator("#channels-title + ul > li")).toHaveText([/Slack/, /Web app/, /REST API/]);
  await page.screenshot({ path: `${screens}/landing.png`, fullPage: true });
});

test("sign-in says a bad address once and names the address the link went to", async ({ page }) => {
  await page.goto("/signin");
  await page.getByRole("button", { name: "Email me a sign-in link" }).click();
  await expect(page.getByText("Enter a valid email address.")).toHaveCount(1);
  await expect(page.getByLabel("Work email")).toHaveAccessibleDescription(/Enter a valid email address/);
  await page.screenshot({ path: `${screens}/signin-error.png` });

  await page.getByLabel("Work email").fill(owner);
  await page.getByRole("button", { name: "Email me a sign-in link" }).click();
  await expect(page.getByRole("heading", { name: "Check your email" })).toBeVisible();
  await expect(page.getByText(`We sent a sign-in link to ${owner}.`)).toBeVisible();
  await page.screenshot({ path: `${screens}/check-email.png` });
});

test("the Overview's checklist counts what exists and offers nothing that does not", async ({ page }) => {
  await signIn(page, owner);
  await page.getByLabel("Workspace name").fill("Newcomer Co");
  await page.getByLabel("URL").fill(slug);
  await page.getByRole("button", { name: "Create workspace" }).click();
  await expect(page).toHaveURL(new RegExp(`/w/${slug}$`));
  await expect(page.getByText(/coming soon/i)).toHaveCount(0);
  // This server has a Slack app (the e2e fake), so connecting it is a step; nothing else is done yet.
  await expect(page.getByText("1 of 6 done")).toBeVisible();
  await expect(page.getByRole("link", { name: "Connect Slack" })).toBeVisible();

  await page.goto(`/w/${slug}/projects`);
  await page.getByRole("button", { name: "Create project" }).first().click();
  // The longest name allowed, with no place to break.
  const longName = "x".repeat(80);
  await page.getByRole("dialog").getByLabel("Name").fill(longName);
  await page.getByRole("dialog").getByRole("button", { name: "Create project" }).click();
  const name = page.getByTestId("project-name");
  await expect(name).toHaveAttribute("title", longName);
  // The name stays inside its column: it ends before the Repository column begins.
  const nameBox = (await name.boundingBox())!;
  const repoHeader = (await page.getByRole("columnheader", { name: "Repository" }).boundingBox())!;
  expect(nameBox.x + nameBox.width).toBeLessThanOrEqual(repoHeader.x);
  await page.screenshot({ path: `${screens}/projects-long-name.png`, fullPage: true });

  // A first task (it waits for a runner, which is fine here) shows the task list and its filters.
  await page.goto(`/w/${slug}/tasks/new`);
  await page.getByRole("textbox", { name: "Question" }).fill("Where do we keep the deploy scripts?");
  await page.getByRole("button", { name: "Start task" }).click();
  await expect(page.getByRole("heading", { name: /#1 Where do we keep/ })).toBeVisible();
  await page.goto(`/w/${slug}/tasks`);
  const source = page.getByRole("combobox", { name: "Source" });
  await expect(source.locator("option")).toHaveText(["All sources", "Web", "API", "Slack"]);

  await page.goto(`/w/${slug}`);
  await expect(page.getByText("3 of 6 done")).toBeVisible();
  await page.screenshot({ path: `${screens}/overview-checklist.png`, fullPage: true });
});

test("an invitation opened while signed out names the workspace and fills in the address", async ({ page, browser }) => {
  await signIn(page, owner);
  await page.goto(`/w/${slug}/settings/members`);
  await page.getByLabel("Email address").fill(teammate);
  await page.getByRole("button", { name: "Invite" }).click();
  await expect(page.getByText(`Invitation sent to ${teammate}.`)).toBeVisible();

  const guest = await browser.newPage();
  await followMailLink(guest, teammate, /invited to Newcomer Co/);
  await expect(guest).toHaveURL(/\/signin\?callbackUrl=%2Finvite%2F/);
  await expect(guest.getByRole("heading", { name: "Join Newcomer Co on Jace" })).toBeVisible();
  await expect(guest.getByTestId("signin-invitation")).toContainText(teammate);
  await expect(guest.getByLabel("Work email")).toHaveValue(teammate);
  await guest.screenshot({ path: `${screens}/signin-invitation.png` });

  await guest.getByRole("button", { name: "Email me a sign-in link" }).click();
  await expect(guest.getByText(`We sent a sign-in link to ${teammate}.`)).toBeVisible();
  await followMailLink(guest, teammate, /Sign in to Jace/);
  await expect(guest.getByRole("heading", { name: "Join Newcomer Co on Jace" })).toBeVisible();
  await guest.close();
});
