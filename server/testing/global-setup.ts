import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import pino from "pino";
import type { TestProject } from "vitest/node";
import { applyMigrations } from "@/prisma/tools/migrations";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "../embedded-postgres";

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}

/**
 * One migrated database for the whole test run: a fresh database on the server DATABASE_URL
 * points at (CI: the system PostgreSQL), or, without DATABASE_URL, an embedded PostgreSQL in a
 * temporary directory. Either way it is real PostgreSQL and it is dropped afterwards.
 */
export default async function setup(project: TestProject) {
  let embedded: EmbeddedDatabase | undefined;
  let tempDir: string | undefined;
  let serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    tempDir = mkdtempSync(join(tmpdir(), "jace-test-pg-"));
    const port = 20000 + Math.floor(Math.random() * 20000);
    embedded = await startEmbeddedPostgres({ dataDir: tempDir, port, password: "test-password-1234", log: pino({ level: "silent" }) });
    serverUrl = embedded.url;
  }

  const name = `jace_test_${process.pid}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();

  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  await applyMigrations(url.toString());
  project.provide("databaseUrl", url.toString());

  return async () => {
    const admin2 = new pg.Client({ connectionString: serverUrl });
    await admin2.connect();
    await admin2.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin2.end();
    await embedded?.stop();
    if (tempDir) rmSync(tempDir, { recursive: true, force: true });
  };
}
