import pg from "pg";
import pino from "pino";
import { startEmbeddedPostgres } from "../embedded-postgres";

/**
 * An app stand-in for server/postgres-process.int.test.ts: starts the embedded PostgreSQL on
 * argv's data directory and port, commits one row, prints "ready <url>" and waits to be killed.
 */
const [dataDir, port] = process.argv.slice(2);
const db = await startEmbeddedPostgres({
  dataDir: dataDir!,
  port: Number(port),
  password: "child-password-1234",
  log: pino({ level: "silent" }),
});
const client = new pg.Client({ connectionString: db.url });
await client.connect();
await client.query("CREATE TABLE IF NOT EXISTS survivor (note text)");
await client.query("INSERT INTO survivor VALUES ('committed before the crash')");
await client.end();
process.stdout.write(`ready ${db.url}\n`);
setInterval(() => {}, 60_000);
