/**
 * A second app instance in its own process (the runner gateway alone), for multi-instance tests and
 * the fleet benchmark. Prints its URLs as JSON, answers "stats" with its CPU and memory, exits on "exit".
 */
import { createInterface } from "node:readline";
import { createDb, setDb } from "@/server/db";
import { startRunnerAppServer } from "@/server/runners/testing/app-server";

const db = createDb(process.env.DATABASE_URL!);
setDb(db);
const app = await startRunnerAppServer(db, { heartbeatIntervalMs: Number(process.env.HEARTBEAT_MS ?? 10_000) });
const stats = () => ({
  rss: process.memoryUsage().rss,
  heapUsed: process.memoryUsage().heapUsed,
  cpu: process.cpuUsage(),
  at: performance.now(),
  connected: app.gateway.connectedCount,
});
process.stdout.write(JSON.stringify({ ready: true, url: app.url, wsUrl: app.wsUrl }) + "\n");
createInterface({ input: process.stdin }).on("line", (line) => {
  if (line === "stats") {
    global.gc?.();
    process.stdout.write(JSON.stringify({ stats: stats() }) + "\n");
  }
  if (line === "exit") void app.close().then(() => process.exit(0));
});
