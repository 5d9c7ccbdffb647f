import { defineConfig } from "@playwright/test";

/** Run through `npm run test:e2e` (e2e/run.mjs), which builds and starts the app and sets E2E_BASE_URL. */
export default defineConfig({
  testDir: "e2e",
  outputDir: "e2e/.artifacts/results",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: process.env.CI ? [["list"]] : [["list"]],
  use: {
    baseURL: process.env.E2E_BASE_URL,
    screenshot: "only-on-failure",
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  projects: [
    { name: "workspace", testMatch: /workspace\/.*\.spec\.ts/ },
    { name: "runners", testMatch: /runners\/.*\.spec\.ts/ },
    { name: "tasks", testMatch: /tasks\/.*\.spec\.ts/ },
    { name: "billing", testMatch: /billing\/.*\.spec\.ts/ },
    { name: "slack", testMatch: /slack\/.*\.spec\.ts/ },
    { name: "settings", testMatch: /settings\/.*\.spec\.ts/ },
  ],
});
