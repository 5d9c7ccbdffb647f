import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/prisma/client";
import { getEnv } from "./env";

export type Db = PrismaClient;

/** The one place that builds a PrismaClient. Shared across hot reloads and Next's server bundles. */
export function createDb(databaseUrl: string): PrismaClient {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl, max: 10 }) });
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
