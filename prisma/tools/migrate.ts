/**
 * Offline replacement for `prisma migrate deploy` / `prisma migrate dev --create-only`
 * (see ./migrations.ts for why).
 *
 *   tsx prisma/tools/migrate.ts deploy          apply pending migrations   (npm run db:migrate)
 *   tsx prisma/tools/migrate.ts create <name>   write a new migration      (npm run db:migration -- <name>)
 *
 * The database comes from DATABASE_URL, else the embedded PostgreSQL. Exit code 0 on success, 1 on any error.
 */
import path from "node:path";
import { openLocalDatabase } from "@/server/local-database";
import { logger } from "@/server/logger";
import { applyMigrations, createMigration } from "./migrations";

const USAGE = `Usage:
  tsx prisma/tools/migrate.ts deploy          Apply pending migrations from prisma/migrations
  tsx prisma/tools/migrate.ts create <name>   Create a migration from changes to prisma/schema.prisma`;

class UsageError extends Error {}

type Database = { url: string; close: () => Promise<void> };

/** DATABASE_URL, else the embedded PostgreSQL (the running one of `npm run dev`, or started for this command). */
async function openDatabase(): Promise<Database> {
  const handle = await openLocalDatabase(logger);
  if (handle.embedded)
    console.log(`Using the embedded PostgreSQL (${handle.embedded === "running" ? "already running" : "started for this command"}).`);
  return { url: handle.url, close: handle.release };
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  const log = (msg: string) => console.log(msg);

  if (command === "deploy" && rest.length === 0) {
    const db = await openDatabase();
    try {
      const { applied } = await applyMigrations(db.url, { log });
      console.log(applied.length > 0 ? `Done: ${applied.length} migration(s) applied.` : "Done: nothing to apply.");
    } finally {
      await db.close();
    }
    return;
  }

  if (command === "create" && rest.length === 1 && rest[0]) {
    const db = await openDatabase();
    try {
      const folder = await createMigration(rest[0], db.url, { log });
      if (folder) console.log(`Review ${path.relative(process.cwd(), folder)}/migration.sql, then run: npm run db:migrate`);
    } finally {
      await db.close();
    }
    return;
  }

  if (command === "create") throw new UsageError("`create` takes exactly one migration name, e.g. create add_projects");
  throw new UsageError(command ? `Unknown command: ${command}` : "Missing command");
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (error: unknown) => {
    if (error instanceof UsageError) {
      console.error(`Error: ${error.message}\n\n${USAGE}`);
    } else {
      console.error(`Error: ${error instanceof Error ? error.message : String(error)}`);
    }
    process.exit(1);
  },
);
