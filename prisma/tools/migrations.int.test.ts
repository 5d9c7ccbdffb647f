/**
 * Integration test of the offline migration tooling against a real PostgreSQL server.
 * Creates its own uniquely named databases on the server of the run's test database (global
 * setup: the server of DATABASE_URL, else an embedded PostgreSQL) and drops them at the end.
 */
import { execFile } from "node:child_process";
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type * as AdapterPg from "@prisma/adapter-pg";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { applyMigrations, createMigration } from "./migrations";

/**
 * A fault to inject into the driver adapter that migrations.ts uses: when armed, the first result
 * with rows read on a shadow database claims the column type "Set" (14), which the engine has no
 * conversion for: it panics (`todo!()`) while polling the query's future, like any panic during
 * introspection. Also records the databases the engine connects to.
 */
const adapterFault = vi.hoisted(() => ({ panicInShadowDb: false, databases: new Set<string>() }));

vi.mock("@prisma/adapter-pg", async (importOriginal) => {
  const actual = await importOriginal<typeof AdapterPg>();
  class PrismaPg extends actual.PrismaPg {
    readonly #database: string;
    constructor(...args: ConstructorParameters<typeof actual.PrismaPg>) {
      super(...args);
      const url = (args[0] as { options?: { connectionString?: string } }).options?.connectionString ?? "";
      this.#database = decodeURIComponent(new URL(url).pathname.slice(1));
      adapterFault.databases.add(this.#database);
    }
    override async connect() {
      const adapter = await super.connect();
      if (!this.#database.startsWith("jace_shadow_")) return adapter;
      const queryRaw = adapter.queryRaw.bind(adapter);
      adapter.queryRaw = async (query) => {
        const result = await queryRaw(query);
        if (!adapterFault.panicInShadowDb || result.rows.length === 0) return result;
        adapterFault.panicInShadowDb = false;
        return { ...result, columnTypes: result.columnTypes.map(() => 14 as (typeof result.columnTypes)[number]) };
      };
      return adapter;
    }
  }
  return { ...actual, PrismaPg };
});

// The server of the run's test database (global setup): the system one or the embedded one.
const SERVER_URL = inject("databaseUrl");
const TIMEOUT = 120_000;

const toolsDir = path.dirname(fileURLToPath(import.meta.url));
const migrationsDir = path.resolve(toolsDir, "../migrations");

const runId = `${Date.now().toString(36)}_${randomBytes(3).toString("hex")}`;
const db = {
  main: `jace_mig_test_${runId}`,
  raceInProcess: `jace_mig_test_${runId}_race1`,
  raceProcesses: `jace_mig_test_${runId}_race2`,
};

function urlFor(database: string): string {
  const url = new URL(SERVER_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

async function query<R extends pg.QueryResultRow>(database: string | null, sql: string, params: unknown[] = []) {
  const client = new pg.Client({ connectionString: database ? urlFor(database) : SERVER_URL });
  await client.connect();
  try {
    return (await client.query<R>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/** The migration folders on disk, in the order Prisma applies them. */
function localMigrations(): string[] {
  return readdirSync(migrationsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort((a, b) => a.localeCompare(b));
}

const scratchDirs: string[] = [];

/** A copy of prisma/ (schema.prisma and the migrations) in a temporary folder, to change freely. */
function scratchPrismaDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "jace-mig-test-"));
  scratchDirs.push(dir);
  cpSync(path.resolve(migrationsDir, "../schema.prisma"), path.join(dir, "schema.prisma"));
  cpSync(migrationsDir, path.join(dir, "migrations"), { recursive: true });
  return dir;
}

const sha256 = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");
const noLog = () => {};

beforeAll(async () => {
  for (const name of Object.values(db)) await query(null, `CREATE DATABASE "${name}"`);
}, TIMEOUT);

afterAll(async () => {
  for (const dir of scratchDirs) rmSync(dir, { recursive: true, force: true });
  for (const name of Object.values(db)) await query(null, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
}, TIMEOUT);

describe("applyMigrations", () => {
  it("applies init to an empty database, creating the tables and a Prisma-compatible history", { timeout: TIMEOUT }, async () => {
    const local = localMigrations();
    expect(local.some((name) => /^\d{14}_init$/.test(name))).toBe(true);

    const { applied } = await applyMigrations(urlFor(db.main), { log: noLog });
    expect(applied).toEqual(local);

    const tables = await query<{ table_name: string }>(
      db.main,
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'",
    );
    expect(tables.map((t) => t.table_name)).toEqual(
      expect.arrayContaining([
        "_prisma_migrations",
        "User",
        "Account",
        "Session",
        "Workspace",
        "Membership",
        "Project",
        "ApiKey",
        "AuditEvent",
      ]),
    );

    // What `prisma migrate deploy` checks later: one finished row per migration, checksum = sha256(migration.sql).
    const history = await query<{
      migration_name: string;
      checksum: string;
      finished_at: Date | null;
      rolled_back_at: Date | null;
      applied_steps_count: number;
    }>(db.main, `SELECT * FROM "_prisma_migrations" ORDER BY migration_name`);
    expect(history.map((row) => row.migration_name)).toEqual(local);
    for (const row of history) {
      expect(row.checksum).toBe(sha256(path.join(migrationsDir, row.migration_name, "migration.sql")));
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.rolled_back_at).toBeNull();
      expect(row.applied_steps_count).toBe(1);
    }
  });

  it("applies nothing the second time", { timeout: TIMEOUT }, async () => {
    const messages: string[] = [];
    const { applied } = await applyMigrations(urlFor(db.main), { log: (m) => messages.push(m) });
    expect(applied).toEqual([]);
    expect(messages.join("\n")).toMatch(/up to date/);
  });

  it("applies exactly once when two deploys run concurrently in one process", { timeout: TIMEOUT }, async () => {
    const url = urlFor(db.raceInProcess);
    const results = await Promise.all([applyMigrations(url, { log: noLog }), applyMigrations(url, { log: noLog })]);

    const appliedCounts = results.map((r) => r.applied.length).sort();
    expect(appliedCounts).toEqual([0, localMigrations().length]);
    const rows = await query<{ n: number }>(db.raceInProcess, `SELECT count(*)::int AS n FROM "_prisma_migrations"`);
    expect(rows[0]?.n).toBe(localMigrations().length);
  });

  it("applies exactly once when two CLI processes deploy concurrently", { timeout: TIMEOUT }, async () => {
    const tsxCli = createRequire(import.meta.url).resolve("tsx/cli");
    const deploy = () =>
      promisify(execFile)(process.execPath, [tsxCli, path.join(toolsDir, "migrate.ts"), "deploy"], {
        env: { ...process.env, DATABASE_URL: urlFor(db.raceProcesses) },
      });
    const outputs = (await Promise.all([deploy(), deploy()])).map((r) => r.stdout);

    expect(outputs.filter((out) => /Done: \d+ migration\(s\) applied/.test(out))).toHaveLength(1);
    expect(outputs.filter((out) => /Done: nothing to apply/.test(out))).toHaveLength(1);
    const rows = await query<{ n: number }>(db.raceProcesses, `SELECT count(*)::int AS n FROM "_prisma_migrations"`);
    expect(rows[0]?.n).toBe(localMigrations().length);
  });

  it("refuses to run when an applied migration's checksum no longer matches", { timeout: TIMEOUT }, async () => {
    const [first] = localMigrations();
    const [original] = await query<{ checksum: string }>(db.main, `SELECT checksum FROM "_prisma_migrations" WHERE migration_name = $1`, [
      first,
    ]);
    await query(db.main, `UPDATE "_prisma_migrations" SET checksum = $2 WHERE migration_name = $1`, [first, "0".repeat(64)]);
    try {
      await expect(applyMigrations(urlFor(db.main), { log: noLog })).rejects.toThrow(
        new RegExp(`Checksum mismatch: prisma/migrations/${first}/migration\\.sql changed after it was applied`),
      );
    } finally {
      await query(db.main, `UPDATE "_prisma_migrations" SET checksum = $2 WHERE migration_name = $1`, [first, original?.checksum]);
    }
  });

  it("refuses to run while an earlier migration is recorded as failed", { timeout: TIMEOUT }, async () => {
    await query(
      db.main,
      `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, logs, started_at, applied_steps_count)
       VALUES ($1, $2, '99999999999999_broken', 'ERROR: division by zero', now(), 0)`,
      [randomUUID(), "0".repeat(64)],
    );
    try {
      await expect(applyMigrations(urlFor(db.main), { log: noLog })).rejects.toThrow(
        /failed migrations[\s\S]*99999999999999_broken[\s\S]*division by zero/,
      );
    } finally {
      await query(db.main, `DELETE FROM "_prisma_migrations" WHERE migration_name = '99999999999999_broken'`);
    }
  });
});

describe("createMigration", () => {
  it("returns null and writes nothing when the schema matches the migration history", { timeout: TIMEOUT }, async () => {
    const before = readdirSync(migrationsDir);
    const messages: string[] = [];

    const folder = await createMigration("no_changes", urlFor(db.main), { log: (m) => messages.push(m) });

    expect(folder).toBeNull();
    expect(messages.join("\n")).toMatch(/No schema changes/);
    expect(readdirSync(migrationsDir)).toEqual(before);
  });

  // The schema describer reads catalog "char" columns (pg_constraint.contype, ...) as characters:
  // CHECK constraints, and on PostgreSQL 18 every NOT NULL column, used to crash it.
  it("accepts CHECK constraints from hand-written migrations", { timeout: TIMEOUT }, async () => {
    const prismaDir = scratchPrismaDir();
    const custom = path.join(prismaDir, "migrations", "99999999999999_project_name_check");
    mkdirSync(custom);
    writeFileSync(
      path.join(custom, "migration.sql"),
      `ALTER TABLE "Project" ADD CONSTRAINT "Project_name_not_blank" CHECK (length(trim("name")) > 0);\n`,
    );
    const messages: string[] = [];

    const folder = await createMigration("no_changes", urlFor(db.main), { log: (m) => messages.push(m), prismaDir });

    expect(folder).toBeNull();
    expect(messages.join("\n")).toMatch(/No schema changes/);
  });

  it("writes the migration for a schema change, which deploys and replays to exactly the schema", { timeout: TIMEOUT }, async () => {
    const prismaDir = scratchPrismaDir();
    const schemaPath = path.join(prismaDir, "schema.prisma");
    writeFileSync(
      schemaPath,
      `${readFileSync(schemaPath, "utf8")}
enum ScratchColor {
  RED
  BLUE
}

model ScratchTag {
  id       String       @id @default(cuid())
  label    String       @unique @db.VarChar(64)
  color    ScratchColor @default(BLUE)
  parentId String?
  parent   ScratchTag?  @relation("ScratchTree", fields: [parentId], references: [id], onDelete: SetNull)
  children ScratchTag[] @relation("ScratchTree")

  @@index([color])
}
`,
    );

    const folder = await createMigration("Add scratch tags", urlFor(db.main), { log: noLog, prismaDir });

    expect(folder).toMatch(/[/\\]migrations[/\\]\d{14}_add_scratch_tags$/);
    const sql = readFileSync(path.join(folder ?? "", "migration.sql"), "utf8");
    expect(sql).toContain(`CREATE TYPE "ScratchColor" AS ENUM ('RED', 'BLUE');`);
    expect(sql).toContain(`CREATE TABLE "ScratchTag"`);
    expect(sql).toContain(`"label" VARCHAR(64) NOT NULL`);
    expect(sql).toContain(`CREATE UNIQUE INDEX "ScratchTag_label_key" ON "ScratchTag"("label");`);
    expect(sql).toContain(`CREATE INDEX "ScratchTag_color_idx" ON "ScratchTag"("color");`);
    expect(sql).toMatch(/FOREIGN KEY \("parentId"\) REFERENCES "ScratchTag"\("id"\) ON DELETE SET NULL/);

    // Deploys on top of the existing history (db.raceInProcess has all of prisma/migrations)...
    const { applied } = await applyMigrations(urlFor(db.raceInProcess), { log: noLog, prismaDir });
    expect(applied).toEqual([path.basename(folder ?? "")]);
    const columns = await query<{ column_name: string }>(
      db.raceInProcess,
      `SELECT column_name FROM information_schema.columns WHERE table_name = 'ScratchTag' ORDER BY ordinal_position`,
    );
    expect(columns.map((c) => c.column_name)).toEqual(["id", "label", "color", "parentId"]);

    // ...and the history now replays to exactly the schema.
    await expect(createMigration("again", urlFor(db.main), { log: noLog, prismaDir })).resolves.toBeNull();
  });

  it("rejects promptly with the panic message when the engine panics, and cleans up after it", { timeout: TIMEOUT }, async () => {
    const before = readdirSync(migrationsDir);
    adapterFault.databases.clear();
    adapterFault.panicInShadowDb = true;
    const started = Date.now();
    try {
      await expect(createMigration("panic", urlFor(db.main), { log: noLog })).rejects.toThrow(
        /^The schema engine crashed: panicked at [\s\S]*support column type Set/,
      );
    } finally {
      adapterFault.panicInShadowDb = false;
    }
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(readdirSync(migrationsDir)).toEqual(before);

    // The temporary database is dropped and no connection of the engine is left open.
    const shadowDatabases = [...adapterFault.databases].filter((name) => name.startsWith("jace_shadow_"));
    expect(shadowDatabases).toHaveLength(1);
    const leftovers = await query<{ datname: string }>(null, `SELECT datname FROM pg_database WHERE datname = ANY($1)`, [shadowDatabases]);
    expect(leftovers).toEqual([]);
    const connections = async () =>
      (
        await query<{ n: number }>(
          null,
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = ANY($1) AND pid <> pg_backend_pid()`,
          [[...adapterFault.databases]],
        )
      )[0]?.n;
    await expect.poll(connections, { timeout: 5_000 }).toBe(0);

    // The crashed engine is replaced by a fresh one.
    const messages: string[] = [];
    await expect(createMigration("after_panic", urlFor(db.main), { log: (m) => messages.push(m) })).resolves.toBeNull();
    expect(messages.join("\n")).toMatch(/No schema changes/);
  });
});
