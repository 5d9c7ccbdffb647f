/**
 * Memory of the production app process: `npm start` (node on the compiled dist/main.mjs, with the
 * node flags of package.json's start script) and, for comparison, the same server run from
 * TypeScript through tsx's loader as `npm start` used to. Each is started as
 * `npm start` starts it (NODE_ENV=production, its own port and DATA_DIR, a fresh migrated
 * database), then:
 *   ready = RSS once /api/health answers
 *   after N requests = RSS after N requests over pages, tRPC, REST and health, one at a time
 *   idle = RSS 10 s later (the goal: <= 300 MB)
 * RSS is the app process's alone (PostgreSQL is another process). Needs `npm run build` first.
 * Run: npx tsx bench/server-memory.ts [requests=200] [compiled|tsx (default: both)]
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { benchDatabase } from "./lib";

const REQUESTS = Number(process.argv[2] ?? 200);
const MODES = process.argv[3] ? [process.argv[3]] : ["compiled", "tsx"];
const root = resolve(import.meta.dirname, "..");
const PATHS = ["/", "/signin", "/api/health", "/api/trpc/workspace.list", "/api/v1/models", "/dev/mailbox", "/no-such-page"];

/** The node flags of `npm start` ("NODE_ENV=production node <flags> dist/main.mjs"). */
function startFlags(): string[] {
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { scripts: { start: string } };
  const words = pkg.scripts.start.split(/\s+/);
  return words.slice(words.indexOf("node") + 1, words.indexOf("dist/main.mjs"));
}

function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8")
    .split("\n")
    .find((l) => l.startsWith("VmRSS:"));
  return Math.round(Number(line?.split(/\s+/)[1] ?? 0) / 1024);
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

async function waitUntilUp(url: string, exited: () => boolean): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (exited()) throw new Error("the server exited during start; see its output above");
    try {
      if ((await fetch(`${url}/api/health`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error("the server did not answer /api/health within 120 s");
}

async function measure(mode: string): Promise<string> {
  const db = await benchDatabase();
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), "jace-bench-mem-"));
  chmodSync(dataDir, 0o755);
  const url = `http://localhost:${port}`;
  const args = mode === "compiled" ? [...startFlags(), join(root, "dist/main.mjs")] : ["--import", "tsx", join(root, "server/main.ts")];
  const child = spawn(process.execPath, args, {
    cwd: root,
    stdio: ["ignore", "ignore", "inherit"],
    env: {
      ...process.env,
      NODE_ENV: "production",
      PORT: String(port),
      APP_URL: url,
      DATA_DIR: dataDir,
      DATABASE_URL: db.url,
      AUTH_SECRET: randomBytes(33).toString("base64"),
      APP_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
      DEV_MAILBOX: "1",
      LOG_LEVEL: "warn",
      NEXT_TELEMETRY_DISABLED: "1",
    },
  });
  try {
    await waitUntilUp(url, () => child.exitCode !== null);
    const ready = rssMb(child.pid!);
    for (let i = 0; i < REQUESTS; i++) {
      const res = await fetch(`${url}${PATHS[i % PATHS.length]}`, { redirect: "manual" });
      await res.arrayBuffer();
    }
    const loaded = rssMb(child.pid!);
    await new Promise((r) => setTimeout(r, 10_000));
    const idle = rssMb(child.pid!);
    return `${mode.padEnd(9)} ready ${ready} MB, after ${REQUESTS} requests ${loaded} MB, idle 10 s later ${idle} MB`;
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    }
    await db.cleanup();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (MODES.includes("compiled") && !existsSync(join(root, "dist/main.mjs"))) {
  throw new Error("dist/main.mjs is missing: run `npm run build` first");
}
const lines: string[] = [];
for (const mode of MODES) lines.push(await measure(mode));
process.stdout.write(`app process RSS (goal: idle <= 300 MB)\n${lines.join("\n")}\n`);
