import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "./embedded-postgres";
import { firstUnreachableDirectory, isAlive, readPostmaster, stopOrphan } from "./postgres-process";

/**
 * The embedded PostgreSQL after the app dies without shutting down (kill -9, OOM): the next start
 * recognises the postmaster the dead app left on its data directory, stops it and starts its own,
 * with every committed row kept; a live app's server and a stranger on the port are left alone.
 * A real app stand-in (server/testing/embedded-postgres-child.ts) runs a real PostgreSQL.
 */

const silent = pino({ level: "silent" });
const PASSWORD = "child-password-1234";
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A data directory the postgres user can reach when the tests run as root (mkdtemp makes 0700). */
function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "jace-pg-crash-"));
  chmodSync(dir, 0o755);
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, "postgres");
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** Starts the app stand-in and resolves once its database is up and a row is committed. */
async function startApp(dir: string, port: number): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", join(import.meta.dirname, "testing/embedded-postgres-child.ts"), dir, String(port)],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    const postmaster = readPostmaster(dir);
    if (postmaster && isAlive(postmaster.pid)) await stopOrphan(postmaster);
  });
  let stderr = "";
  child.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (c: Buffer) => c.toString().includes("ready") && resolve());
    child.once("exit", (code) => reject(new Error(`app stand-in exited ${code}: ${stderr}`)));
  });
  return child;
}

async function killHard(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGKILL");
  await exited;
}

function start(dir: string, port: number): Promise<EmbeddedDatabase> {
  return startEmbeddedPostgres({ dataDir: dir, port, password: PASSWORD, log: silent });
}

describe("embedded PostgreSQL after an app crash", () => {
  it("stops the postmaster a killed app left running and starts its own, keeping committed data", async () => {
    const dir = dataDir();
    const port = await freePort();
    await killHard(await startApp(dir, port));
    const orphan = readPostmaster(dir)!;
    expect(isAlive(orphan.pid)).toBe(true);

    const db = await start(dir, port);
    cleanups.push(db.stop);
    expect(isAlive(orphan.pid)).toBe(false);
    expect(readPostmaster(dir)!.pid).not.toBe(orphan.pid);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const { rows } = await client.query("SELECT note FROM survivor");
    await client.end();
    expect(rows).toEqual([{ note: "committed before the crash" }]);
  }, 180_000);

  it("leaves a running app's server alone and says which app holds the data directory", async () => {
    const dir = dataDir();
    const port = await freePort();
    const app = await startApp(dir, port);
    const postmaster = readPostmaster(dir)!;
    await expect(start(dir, port)).rejects.toThrow(new RegExp(`Another Jace \\(pid ${app.pid}\\) is running with this data directory`));
    expect(isAlive(postmaster.pid)).toBe(true);
  }, 180_000);

  it("still refuses a port held by something else, with the clear message", async () => {
    const port = await freePort();
    const stranger: Server = createServer();
    await new Promise<void>((r) => stranger.listen(port, "127.0.0.1", r));
    cleanups.push(() => new Promise<void>((r) => stranger.close(() => r())));
    await expect(start(dataDir(), port)).rejects.toThrow(/Port \d+ is already in use/);
  });
});

describe.runIf(process.getuid?.() === 0)("embedded PostgreSQL run as root", () => {
  it("names a 0700 directory above the data directory and the fix, and creates nothing", async () => {
    const parent = mkdtempSync(join(tmpdir(), "jace-private-"));
    chmodSync(parent, 0o700);
    cleanups.push(() => rmSync(parent, { recursive: true, force: true }));
    const dir = join(parent, "checkout", ".data", "postgres");
    await expect(start(dir, await freePort())).rejects.toThrow(
      new RegExp(`"postgres" user, which cannot enter ${parent} to reach the database directory[\\s\\S]*chmod o\\+x ${parent}`),
    );
    expect(existsSync(join(parent, "checkout"))).toBe(false);
  });
});

describe("firstUnreachableDirectory", () => {
  it("goes by the owner, group and other bits that apply to the user", () => {
    const parent = mkdtempSync(join(tmpdir(), "jace-reach-"));
    cleanups.push(() => rmSync(parent, { recursive: true, force: true }));
    const path = join(parent, "a", "b");
    chmodSync(parent, 0o700);
    expect(firstUnreachableDirectory(path, null)).toBe(parent);
    expect(firstUnreachableDirectory(path, { uid: process.getuid!(), gid: 12345 })).toBe(null);
    chmodSync(parent, 0o710);
    expect(firstUnreachableDirectory(path, { uid: 54321, gid: process.getgid!() })).toBe(null);
    chmodSync(parent, 0o701);
    expect(firstUnreachableDirectory(path, null)).toBe(null);
  });
});
