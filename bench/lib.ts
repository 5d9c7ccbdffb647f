import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import pino from "pino";
import { applyMigrations } from "@/prisma/tools/migrations";
import { createDb, setDb } from "@/server/db";
import { startEmbeddedPostgres } from "@/server/embedded-postgres";
import { overrideEnv } from "@/server/env";
import { stopBus } from "@/server/runners/bus";
import { startRunnerAppServer } from "@/server/runners/testing/app-server";

/** A fresh, migrated database for one benchmark run: on DATABASE_URL's server, else embedded. */
export async function benchDatabase(): Promise<{ url: string; cleanup: () => Promise<void> }> {
  let serverUrl = process.env.DATABASE_URL;
  let stopEmbedded: (() => Promise<void>) | undefined;
  let dir: string | undefined;
  if (!serverUrl) {
    dir = mkdtempSync(join(tmpdir(), "jace-bench-pg-"));
    const db = await startEmbeddedPostgres({
      dataDir: dir,
      port: 25000 + Math.floor(Math.random() * 10000),
      password: "bench-password-123",
      log: pino({ level: "silent" }),
    });
    serverUrl = db.url;
    stopEmbedded = db.stop;
  }
  const name = `jace_bench_${Date.now()}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  await applyMigrations(url.toString());
  return {
    url: url.toString(),
    cleanup: async () => {
      const c = new pg.Client({ connectionString: serverUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
      await stopEmbedded?.();
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const idx = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, idx)]!;
}

export function summary(label: string, samples: number[]): string {
  const s = [...samples].sort((a, b) => a - b);
  return `${label}: n=${s.length} p50=${percentile(s, 50).toFixed(2)} ms p99=${percentile(s, 99).toFixed(2)} ms max=${s.at(-1)!.toFixed(2)} ms`;
}

/**
 * The runner-facing app (enrollment route + gateway) on a fresh database, with one workspace and
 * the user acting in it. `close()` stops everything and drops the database.
 */
export async function benchRunnerApp(name: string) {
  const database = await benchDatabase();
  overrideEnv({
    DATABASE_URL: database.url,
    APP_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString("base64"),
    AUTH_SECRET: "b".repeat(40),
    LOG_LEVEL: "silent",
  });
  const db = createDb(database.url);
  setDb(db);
  const app = await startRunnerAppServer(db);
  const slug = `${name.toLowerCase()}-${Date.now()}`;
  const user = await db.user.create({ data: { email: `${slug}@example.test` } });
  // Enterprise: no runner, task or concurrency limit, so the benchmarks measure the gateway, not the plan's refusals.
  const ws = await db.workspace.create({ data: { name, slug, plan: "enterprise" } });
  const actor = { type: "user" as const, id: user.id, label: user.email };
  const close = async () => {
    await app.close();
    await stopBus();
    await db.$disconnect();
    await database.cleanup();
  };
  return { db, app, ws, actor, close };
}
