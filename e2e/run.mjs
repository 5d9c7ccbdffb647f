// e2e entry (`npm run test:e2e`): builds the app, starts the production server the way a newcomer
// does (embedded PostgreSQL in a fresh data directory, migrations at start), runs Playwright in
// real Chromium, stops the server with SIGTERM and checks that nothing was left running.
// E2E_DATABASE_URL runs against an existing server instead (a fresh database on it).
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { connect } from "node:net";
import { join } from "node:path";
import pg from "pg";
import { findChromium } from "./fixtures/chromium.mjs";

const root = new URL("..", import.meta.url).pathname;
const chromium = findChromium();
if (!chromium) {
  console.error(
    [
      "No Chromium found for the e2e tests.",
      "Install Debian's: sudo apt-get install -y chromium fonts-liberation",
      "(or set CHROMIUM_PATH to a Chromium/Chrome binary). `npx playwright install` does not work offline.",
    ].join("\n"),
  );
  process.exit(1);
}

function run(cmd, args, env = {}) {
  const r = spawnSync(cmd, args, { stdio: "inherit", cwd: root, env: { ...process.env, ...env } });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

if (process.env.E2E_SKIP_BUILD !== "1" || !existsSync(join(root, ".next/BUILD_ID")) || !existsSync(join(root, "dist/main.mjs"))) {
  console.log("e2e: building the app (npm run build: next build, then the compiled server)");
  run("npm", ["run", "build"], { NEXT_TELEMETRY_DISABLED: "1" });
}

const port = 3400 + Math.floor(Math.random() * 500);
const baseURL = `http://localhost:${port}`;
const dataDir = mkdtempSync(join(tmpdir(), "jace-e2e-"));
// As root, PostgreSQL runs as the "postgres" user, which must be able to enter this directory.
chmodSync(dataDir, 0o755);
const env = {
  ...process.env,
  NODE_ENV: "production",
  PORT: String(port),
  APP_URL: baseURL,
  DATA_DIR: dataDir,
  AUTH_SECRET: randomBytes(33).toString("base64"),
  APP_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
  DEV_MAILBOX: "1",
  SMTP_URL: "",
  LOG_FORMAT: "json",
  NEXT_TELEMETRY_DISABLED: "1",
};

let dbName;
const external = process.env.E2E_DATABASE_URL;
if (external) {
  dbName = `jace_e2e_${Date.now()}`;
  const admin = new pg.Client({ connectionString: external });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  await admin.end();
  const url = new URL(external);
  url.pathname = `/${dbName}`;
  env.DATABASE_URL = url.toString();
} else {
  env.DATABASE_URL = "";
  env.EMBEDDED_PG_PORT = String(21000 + Math.floor(Math.random() * 20000));
}

/** Starts a loopback fake as its own process and resolves with the URL it prints when ready. */
function startFake(script, args) {
  const child = spawn(process.execPath, ["--import", "tsx", script, ...args], { cwd: root, stdio: ["ignore", "pipe", "inherit"] });
  const url = new Promise((resolve, reject) => {
    let seen = "";
    child.stdout.on("data", (chunk) => {
      seen += chunk;
      const match = /listening on (\S+)/.exec(seen);
      if (match) resolve(match[1]);
    });
    child.once("exit", (code) => reject(new Error(`e2e: ${script} exited (${code})`)));
  });
  return { child, url };
}

// Billing runs against the loopback Stripe fake, whose webhooks are signed with the real SDK's
// signer and reach the app's webhook route.
const stripeSecret = `whsec_${randomBytes(24).toString("hex")}`;
const stripe = startFake("test/fakes/stripe-server.ts", [
  "--port",
  "0",
  "--webhook-url",
  `http://127.0.0.1:${port}/api/stripe/webhook`,
  "--webhook-secret",
  stripeSecret,
  "--prices",
  JSON.stringify({
    price_e2e_pro: { product: "prod_pro", nickname: "Pro", unitAmount: 2900 },
    price_e2e_team: { product: "prod_team", nickname: "Team", unitAmount: 9900 },
    price_e2e_pro_overage: { product: "prod_pro", nickname: "Pro overage", unitAmount: 2, meter: "jace_overage_tasks" },
    price_e2e_team_overage: { product: "prod_team", nickname: "Team overage", unitAmount: 1, meter: "jace_overage_tasks" },
  }),
]);
// Slack runs against the loopback Slack fake: its consent page installs the app into one team, and
// the specs send genuinely signed slash commands to the app.
const slackSigningSecret = randomBytes(24).toString("hex");
const slack = startFake("test/fakes/slack-server.ts", ["--team", "TE2E:Acme Corp"]);
Object.assign(env, {
  STRIPE_SECRET_KEY: "sk_test_jace_fake",
  STRIPE_WEBHOOK_SECRET: stripeSecret,
  STRIPE_API_URL: await stripe.url,
  STRIPE_PRICE_PRO: "price_e2e_pro",
  STRIPE_PRICE_TEAM: "price_e2e_team",
  STRIPE_PRICE_PRO_METERED: "price_e2e_pro_overage",
  STRIPE_PRICE_TEAM_METERED: "price_e2e_team_overage",
  SLACK_CLIENT_ID: "1111.2222",
  SLACK_CLIENT_SECRET: randomBytes(16).toString("hex"),
  SLACK_SIGNING_SECRET: slackSigningSecret,
  SLACK_API_URL: await slack.url,
});

const logFile = join(root, "e2e/.artifacts/server.log");
spawnSync("mkdir", ["-p", join(root, "e2e/.artifacts")]);
const { openSync } = await import("node:fs");
const out = openSync(logFile, "w");
// As `npm start` runs it: node on the compiled server (dist/main.mjs, built by `npm run build`).
const server = spawn(process.execPath, ["--max-semi-space-size=4", "dist/main.mjs"], {
  cwd: root,
  env,
  stdio: ["ignore", out, out],
  detached: true,
});

async function stopServer() {
  if (server.exitCode !== null) return;
  const exited = new Promise((r) => server.once("exit", r));
  try {
    process.kill(-server.pid, "SIGTERM");
  } catch {
    // already gone
  }
  await Promise.race([exited, new Promise((r) => setTimeout(r, 15000))]);
  if (server.exitCode === null) {
    try {
      process.kill(-server.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
}

/** True while something still accepts connections on the port. */
function listening(port) {
  return new Promise((done) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => (socket.destroy(), done(true)));
    socket.once("error", () => done(false));
  });
}

let orphaned = false;

async function cleanup() {
  await stopServer();
  stripe.child.kill("SIGTERM");
  slack.child.kill("SIGTERM");
  // A clean shutdown stops the embedded PostgreSQL too: nothing may be left listening.
  if (env.EMBEDDED_PG_PORT && (await listening(Number(env.EMBEDDED_PG_PORT)))) {
    console.error(`e2e: the embedded PostgreSQL on port ${env.EMBEDDED_PG_PORT} outlived the app (orphaned process)`);
    orphaned = true;
  }
  if (dbName) {
    const admin = new pg.Client({ connectionString: external });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
  }
  rmSync(dataDir, { recursive: true, force: true });
}

process.on("SIGINT", async () => {
  await cleanup();
  process.exit(130);
});

// Wait for the server (embedded Postgres first run takes a few seconds).
const deadline = Date.now() + 120_000;
let ready = false;
while (Date.now() < deadline && server.exitCode === null) {
  try {
    const res = await fetch(`${baseURL}/api/health`);
    if (res.ok) {
      ready = true;
      break;
    }
  } catch {
    // not listening yet
  }
  await new Promise((r) => setTimeout(r, 300));
}
if (!ready) {
  console.error(`e2e: the app did not become ready; see ${logFile}`);
  await cleanup();
  process.exit(1);
}

const result = spawnSync("npx", ["playwright", "test", ...process.argv.slice(2)], {
  cwd: root,
  stdio: "inherit",
  env: {
    ...process.env,
    E2E_BASE_URL: baseURL,
    CHROMIUM_PATH: chromium,
    E2E_SLACK_API_URL: env.SLACK_API_URL,
    E2E_SLACK_SIGNING_SECRET: slackSigningSecret,
  },
});
await cleanup();
process.exit(orphaned ? 1 : (result.status ?? 1));
