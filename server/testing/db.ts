import { inject } from "vitest";
import { createDb, setDb, type Db } from "../db";
import { overrideEnv } from "../env";

let db: Db | undefined;

/** The run's migrated test database, also installed as the app's db so services use it. */
export function testDb(): Db {
  if (!db) {
    const url = inject("databaseUrl");
    overrideEnv({ DATABASE_URL: url, APP_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString("base64"), AUTH_SECRET: "x".repeat(40) });
    db = createDb(url);
    setDb(db);
  }
  return db;
}
