import { expect, test } from "@playwright/test";
import { signIn, uniqueEmail } from "../fixtures/auth";

/**
 * Billing against the production build and the loopback Stripe fake (started by e2e/run.mjs):
 * a Free workspace upgrades through Checkout, the signed webhook moves it to Pro, and the
 * billing page shows the new plan, its limits, its overage price and the paid invoice.
 */

test.describe.configure({ mode: "serial" });

const owner = uniqueEmail("billing-owner");
const slug = `billing-${Date.now().toString(36)}`;
const screens = "e2e/.artifacts/screens";

test("upgrades a Free workspace to Pro through Stripe Checkout and sees the plan, limits and invoice", async ({ page }) => {
  test.setTimeout(120_000);
  await signIn(page, owner);
  await page.getByLabel("Workspace name").fill("Billing Co");
  await page.getByLabel("URL").fill(slug);
  await page.getByRole("button", { name: "Create workspace" }).click();
  await expect(page).toHaveURL(new RegExp(`/w/${slug}$`));

  await page.goto(`/w/${slug}/billing`);
  await expect(page.getByTestId("current-plan")).toContainText("Free");
  await expect(page.getByText("Tasks this month")).toBeVisible();
  await page.screenshot({ path: `${screens}/billing-free.png`, fullPage: true });

  await page.getByRole("button", { name: "Upgrade to Pro" }).click();
  await expect(page).toHaveURL(/\/checkout\/cs_/);
  await expect(page.getByTestId("plan")).toHaveText("Pro");
  await expect(page.getByTestId("usage-price")).toHaveText("Pro overage: $0.02 per unit, billed by usage");
  await page.screenshot({ path: `${screens}/billing-checkout.png`, fullPage: true });
  await page.getByRole("button", { name: "Subscribe" }).click();

  await expect(page).toHaveURL(new RegExp(`/w/${slug}/billing\\?checkout=success`));
  await expect(page.getByTestId("current-plan")).toContainText("Pro", { timeout: 30_000 });
  await expect(page.getByText("2,000").first()).toBeVisible();
  // Tasks past the included 2,000 are billed through the metered price instead of refused.
  await expect(page.getByTestId("current-plan")).toContainText(
    "Tasks beyond the included ones are billed at $0.02 each, up to 10,000 a month.",
  );
  await expect(page.getByRole("link", { name: "View" }).first()).toBeVisible();
  await page.screenshot({ path: `${screens}/billing-pro.png`, fullPage: true });

  await page.getByRole("button", { name: "Manage billing" }).click();
  await expect(page).toHaveURL(/\/portal\/bps_/);
  await page.getByRole("link", { name: "Return to Jace" }).click();
  await expect(page).toHaveURL(new RegExp(`/w/${slug}/billing`));
  await expect(page.getByTestId("current-plan")).toContainText("Pro");
});

test("refuses a webhook without a valid Stripe signature", async ({ request }) => {
  const res = await request.post("/api/stripe/webhook", {
    data: { id: "evt_forged", type: "customer.subscription.deleted", data: { object: {} } },
    headers: { "stripe-signature": "t=1,v1=deadbeef" },
  });
  expect(res.status()).toBe(401);
  expect((await res.json()).error.code).toBe("UNAUTHORIZED");
});
