import { expect, test } from "@playwright/test";
import { signIn, uniqueEmail } from "../fixtures/auth";

/**
 * Settings -> AI providers against the production build: the workspace's default routing policy,
 * a model added to the catalog, and the local cost rates, each saved and still there after a
 * reload; bad input is refused where it was typed.
 */

const owner = uniqueEmail("ai-owner");
const slug = `ai-${Date.now().toString(36)}`;
const screens = "e2e/.artifacts/screens";

test("sets the default routing policy, adds a catalog model and sets local cost rates", async ({ page }) => {
  test.setTimeout(90_000);
  await signIn(page, owner);
  await page.getByLabel("Workspace name").fill("Model Makers");
  await page.getByLabel("URL").fill(slug);
  await page.getByRole("button", { name: "Create workspace" }).click();
  await expect(page).toHaveURL(new RegExp(`/w/${slug}$`));

  await page.goto(`/w/${slug}/settings/ai-providers`);
  await expect(page.getByRole("heading", { name: "Default routing policy" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "No local models yet" })).toBeVisible();
  await page.screenshot({ path: `${screens}/ai-providers.png`, fullPage: true });

  // Policy: local first by default; local only after saving, and after a reload.
  const policy = page.getByLabel("Policy", { exact: true });
  await expect(policy).toHaveValue("local-first");
  await policy.selectOption("local-only");
  await page.getByRole("button", { name: "Save policy" }).click();
  await expect(page.getByText("Saved. New calls follow this policy.")).toBeVisible();

  // Catalog: a model needs somewhere to run; then it is listed as custom.
  await page.getByRole("button", { name: "Add model" }).first().click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("Name").fill("Reviewer!");
  await dialog.getByLabel("Local models").fill("*coder*, *");
  await dialog.getByRole("button", { name: "Add model" }).click();
  await expect(dialog.getByText(/lowercase|letters, digits/i).first()).toBeVisible();
  await dialog.getByLabel("Name").fill("reviewer");
  await dialog.getByLabel("Description").fill("Code review on a local coder model");
  await dialog.getByRole("button", { name: "Add model" }).click();
  await expect(dialog).toBeHidden();
  const row = page.getByRole("row").filter({ has: page.locator("code", { hasText: /^reviewer$/ }) });
  await expect(row).toContainText("Custom");
  await expect(row).toContainText("*coder*");

  // Local costs: a bad amount is refused under its field; a good one is saved.
  const energy = page.getByLabel("Energy per local call, $");
  await energy.fill("lots");
  await expect(page.getByRole("button", { name: "Save costs" })).toBeDisabled();
  await energy.fill("0.002");
  await page.getByLabel("Base fee per month, $").fill("15");
  await page.getByRole("button", { name: "Save costs" }).click();
  await expect(page.getByText("Saved. The usage page uses the new rates.")).toBeVisible();

  await page.reload();
  await expect(page.getByLabel("Policy", { exact: true })).toHaveValue("local-only");
  await expect(page.getByRole("row").filter({ has: page.locator("code", { hasText: /^reviewer$/ }) })).toBeVisible();
  await expect(page.getByLabel("Energy per local call, $")).toHaveValue("0.002");
  await expect(page.getByLabel("Base fee per month, $")).toHaveValue("15");
  await page.screenshot({ path: `${screens}/ai-providers-saved.png`, fullPage: true });

  // The model removed again: back to the built-in catalog.
  await row.getByRole("button", { name: "Remove" }).click();
  await page
    .getByRole("dialog")
    .getByRole("button", { name: /Remove/ })
    .click();
  await expect(page.getByRole("row").filter({ has: page.locator("code", { hasText: /^reviewer$/ }) })).toHaveCount(0);
});
