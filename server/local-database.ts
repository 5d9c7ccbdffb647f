import { resolve } from "node:path";
import { embeddedDatabaseUrl, portInUse, startEmbeddedPostgres } from "./embedded-postgres";
import { getEnv } from "./env";
import { loadLocalSecrets } from "./local-defaults";
import type { Logger } from "./logger";

export type DatabaseHandle = { url: string; embedded: "started" | "running" | null; release: () => Promise<void> };

/**
 * The database for command-line tools (migrate, seed): DATABASE_URL when set; else the embedded
 * PostgreSQL of `npm run dev` if it is running; else the embedded one started just for the command.
 */
export async function openLocalDatabase(log: Logger): Promise<DatabaseHandle> {
  const env = getEnv();
  if (env.DATABASE_URL) return { url: env.DATABASE_URL, embedded: null, release: async () => {} };
  const secrets = loadLocalSecrets(env.DATA_DIR);
  if (await portInUse(env.EMBEDDED_PG_PORT)) {
    return { url: embeddedDatabaseUrl(env.EMBEDDED_PG_PORT, secrets.EMBEDDED_PG_PASSWORD), embedded: "running", release: async () => {} };
  }
  const db = await startEmbeddedPostgres({
    dataDir: resolve(env.DATA_DIR, "postgres"),
    port: env.EMBEDDED_PG_PORT,
    password: secrets.EMBEDDED_PG_PASSWORD,
    log,
  });
  return { url: db.url, embedded: "started", release: db.stop };
}
