import { createHash } from "node:crypto";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { type Prisma, PrismaClient } from "./generated/prisma/client";
import { getEnv } from "./env";
import { logger } from "./logger";
import { guardPool } from "./pg-guard";

export type Db = PrismaClient;

/** The pg pool under each client createDb built: Prisma's adapter and `sqlRows` share its connections. */
const pools = new WeakMap<PrismaClient, pg.Pool>();

/** The one place that builds a PrismaClient. Shared across hot reloads and Next's server bundles. */
export function createDb(databaseUrl: string): PrismaClient {
  const pool = guardPool(new pg.Pool({ connectionString: databaseUrl, max: 10 }), logger, "app");
  const client = new PrismaClient({ adapter: new PrismaPg(pool, { disposeExternalPool: true }) });
  pools.set(client, pool);
  return client;
}

/** Prisma stores DateTime in `timestamp` columns as UTC; pg would read them as local time. */
const TIMESTAMP = 1114;
const types = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === TIMESTAMP
      ? (v: string) => new Date(`${v.replace(" ", "T")}Z`)
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/**
 * Runs one raw statement straight on the client's pool: what `$queryRaw` does, without Prisma's
 * own work per query (about 0.2 ms of CPU, as much as the round trip itself on loopback). For the
 * few statements on the path of every model call. Rows come back as `$queryRaw` returns them for
 * the types used there (text, integers, JSON, timestamps as UTC Dates); bigint columns come back
 * as strings, so cast them. A client not built by createDb (a transaction's) goes through Prisma.
 *
 * The statement is prepared under a name derived from its text: each connection parses and plans
 * it once and then only binds values, which halves these statements' time on loopback (a planned
 * CTE costs as much as the round trip). So the text must be fixed, with every value a parameter;
 * past PREPARED_TEXTS distinct texts, statements run unnamed. (A pooler in transaction mode needs
 * prepared-statement support, as PgBouncer has from 1.21.)
 */
export async function sqlRows<T>(db: Db, query: Prisma.Sql): Promise<T[]> {
  const pool = pools.get(db);
  if (!pool) return db.$queryRawUnsafe<T[]>(query.text, ...query.values);
  const values = query.values.map((v) => (v instanceof Date ? v.toISOString() : v));
  const { rows } = await pool.query({ name: statementName(query.text), text: query.text, values, types });
  return rows as T[];
}

const PREPARED_TEXTS = 64;
const statementNames = new Map<string, string>();
function statementName(text: string): string | undefined {
  let name = statementNames.get(text);
  if (!name && statementNames.size < PREPARED_TEXTS) {
    name = `jace_${createHash("sha1").update(text).digest("hex").slice(0, 16)}`;
    statementNames.set(text, name);
  }
  return name;
}

const globalForDb = globalThis as unknown as { jaceDb?: PrismaClient };

export function getDb(): PrismaClient {
  if (!globalForDb.jaceDb) {
    const url = getEnv().DATABASE_URL;
    if (!url) throw new Error("DATABASE_URL is not set: start the app through server/main.ts (npm run dev) or set it");
    globalForDb.jaceDb = createDb(url);
  }
  return globalForDb.jaceDb;
}

/** Lets tests and the process entry install their own client. */
export function setDb(client: PrismaClient): void {
  globalForDb.jaceDb = client;
}

export { Prisma, Role } from "./generated/prisma/client";
