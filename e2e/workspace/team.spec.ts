import { expect, test } from "@playwright/test";
import { followMailLink, signIn, uniqueEmail } from "../fixtures/auth";

/**
 * The foundation's main journey in real Chromium against the production build: sign in through
 * the dev mailbox, create a workspace, create a project and an API key, invite a teammate who
 * accepts and sees the workspace with the right role.
 */

test.describe.configure({ mode: "serial" });

const owner = uniqueEmail("owner");
const teammate = uniqueEmail("teammate");
const slug = `acme-${Date.now().toString(36)}`;

test("a protected page sends you to sign in and back", async ({ page }) => {
  await page.goto(`/w/${slug}/projects`);
  await expect(page).toHaveURL(new RegExp(`/signin\\?callbackUrl=${encodeURIComponent(`/w/${slug}/projects`)}`));
});

test("refuses an oversized API body with 413 and a JSON error", async ({ request }) => {
  const response = await request.post("/api/trpc/workspace.create", {
    data: "x".repeat(1_100_000),
    headers: { "content-type": "application/json" },
  });
  expect(response.status()).toBe(413);
  expect((await response.json()).error.message).toMatch(/larger than 1 MB/);
});

test("rejects an invalid email on the sign-in form", async ({ page }) => {
  await page.goto("/signin");
  await page.getByLabel("Work email").fill("not-an-email");
  await page.getByRole("button", { name: "Email me a sign-in link" }).click();
  await expect(page.getByText("Enter a valid email address.")).toBeVisible();
});

test("signs in through the dev mailbox and creates a workspace", async ({ page }) => {
  await signIn(page, owner);
  await expect(page).toHaveURL(/\/onboarding$/);
  await page.getByLabel("Workspace name").fill("Acme Engineering");
  await page.getByLabel("URL").fill("settings");
  await expect(page.getByText("That URL is reserved. Pick another.")).toBeVisible();
  await page.getByLabel("URL").fill(slug);
  await page.getByRole("button", { name: "Create workspace" }).click();
  await expect(page).toHaveURL(new RegExp(`/w/${slug}$`));
  await expect(page.getByRole("heading", { name: "Acme Engineering" })).toBeVisible();
  await expect(page.getByTestId("current-user")).toHaveText(owner);
});

test("keeps what was typed on the onboarding page before its scripts had loaded", async ({ page }) => {
  const other = uniqueEmail("early-typist");
  const otherSlug = `early-${Date.now().toString(36)}`;
  await signIn(page, other);
  await expect(page).toHaveURL(/\/onboarding$/);
  // Hold the page's scripts back, as a slow connection does, and type into the server-rendered form.
  let release!: () => void;
  const loaded = new Promise<void>((r) => (release = r));
  await page.route("**/_next/static/chunks/**", async (route) => {
    await loaded;
    await route.continue();
  });
  await page.goto("/onboarding", { waitUntil: "commit" });
  await page.getByLabel("Workspace name").fill("Early Typists");
  await page.getByLabel("URL").fill(otherSlug);
  release();
  await page.waitForFunction(() => {
    const input = document.querySelector('input[name="name"]');
    return input !== null && Object.keys(input).some((k) => k.startsWith("__reactFiber"));
  });
  await page.getByRole("button", { name: "Create workspace" }).click();
  await expect(page).toHaveURL(new RegExp(`/w/${otherSlug}$`));
  await expect(page.getByRole("heading", { name: "Early Typists" })).toBeVisible();
});

test("creates a project and an API key that authenticates the REST API until revoked", async ({ page, request }) => {
  await signIn(page, owner, `/signin?callbackUrl=${encodeURIComponent(`/w/${slug}/projects`)}`);
  await expect(page).toHaveURL(new RegExp(`/w/${slug}/projects$`));
  await page.getByRole("button", { name: "Create project" }).first().click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("Name").fill("Public API");
  await dialog.getByLabel("Description").fill("Tests on every change");
  await dialog.getByRole("button", { name: "Create project" }).click();
  await expect(page.getByTestId("project-row").filter({ hasText: "Public API" })).toBeVisible();

  await page.goto(`/w/${slug}/settings/api-keys`);
  await page.getByRole("button", { name: "Create API key" }).first().click();
  await page.getByRole("dialog").getByLabel("Name").fill("CI");
  await page.getByRole("dialog").getByRole("button", { name: "Create API key" }).click();
  await expect(page.getByTestId("new-api-key")).toHaveValue(/^jace_/);
  const secret = await page.getByTestId("new-api-key").inputValue();
  expect(secret).toMatch(/^jace_/);

  const ok = await request.get("/api/v1/workspace", { headers: { authorization: `Bearer ${secret}` } });
  expect(ok.status()).toBe(200);
  expect((await ok.json()).workspace.slug).toBe(slug);

  await page.keyboard.press("Escape");
  await expect(page.getByTestId("api-key-row").filter({ hasText: "CI" })).toBeVisible();
  await page
    .getByTestId("api-key-row")
    .filter({ hasText: "CI" })
    .getByRole("button", { name: /Revoke/ })
    .click();
  await page
    .getByRole("dialog")
    .getByRole("button", { name: /Revoke/ })
    .click();
  await expect(
    page
      .getByTestId("api-key-row")
      .filter({ hasText: "CI" })
      .getByText(/revoked/i),
  ).toBeVisible();

  const revoked = await request.get("/api/v1/workspace", { headers: { authorization: `Bearer ${secret}` } });
  expect(revoked.status()).toBe(401);
  expect((await revoked.json()).error.message).toMatch(/revoked/);
});

test("invites a teammate as admin, who accepts and sees the workspace with that role", async ({ page, browser }) => {
  await signIn(page, owner, `/signin?callbackUrl=${encodeURIComponent(`/w/${slug}/settings/members`)}`);
  await page.getByLabel("Email address").fill(teammate);
  await page.getByLabel("Role").selectOption("admin");
  await page.getByRole("button", { name: "Invite" }).click();
  await expect(page.getByText(`Invitation sent to ${teammate}`)).toBeVisible();
  await expect(page.getByTestId("invitation-row").filter({ hasText: teammate })).toBeVisible();

  const context = await browser.newContext();
  const other = await context.newPage();
  await followMailLink(other, teammate, /invited to Acme Engineering/);
  // Not signed in yet: sign in, then come back to the invitation.
  await expect(other).toHaveURL(/\/signin\?callbackUrl=%2Finvite%2F/);
  await other.getByLabel("Work email").fill(teammate);
  await other.getByRole("button", { name: "Email me a sign-in link" }).click();
  await followMailLink(other, teammate, /Sign in to Jace/);
  await expect(other).toHaveURL(/\/invite\//);
  await other.getByRole("button", { name: "Accept invitation" }).click();
  await expect(other).toHaveURL(new RegExp(`/w/${slug}$`));
  await expect(other.getByText("Acme Engineering").first()).toBeVisible();
  await expect(other.getByText(/admin/i).first()).toBeVisible();

  await page.reload();
  await expect(page.getByTestId("member-row").filter({ hasText: teammate })).toContainText(/admin/i);
  await context.close();
});

test("a member of another workspace gets a 404 for this one", async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, uniqueEmail("stranger"));
  const response = await page.goto(`/w/${slug}/settings/members`);
  expect(response?.status()).toBe(404);
  await context.close();
});

test("the audit log records every action above", async ({ page }) => {
  await signIn(page, owner, `/signin?callbackUrl=${encodeURIComponent(`/w/${slug}/settings/audit`)}`);
  for (const action of ["workspace.created", "project.created", "api_key.created", "api_key.revoked", "member.invited", "member.joined"]) {
    await expect(page.getByRole("table").getByText(action, { exact: true }).first()).toBeVisible();
  }
});
