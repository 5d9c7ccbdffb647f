/**
 * 1,000 connected, heartbeating runners on one app process. The gateway runs in a child process
 * so its CPU and memory are measured alone; the runners are lightweight protocol clients (real
 * keys, real challenge-response, real sockets) in this process.
 * Goal: server memory growth <= 150 MB and CPU <= 10% of a core.
 * Run: npx tsx bench/runner-fleet.ts [runners=1000] [seconds=30]
 */
import { spawn } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { createInterface } from "node:readline";
import { createDb } from "@/server/db";
import { connectTestRunner, testCapabilities, type TestConnection } from "@/server/runners/testing/protocol-client";
import { benchDatabase } from "./lib";

const RUNNERS = Number(process.argv[2] ?? 1000);
const SECONDS = Number(process.argv[3] ?? 30);
const HEARTBEAT_MS = 10_000;

type Stats = { rss: number; heapUsed: number; cpu: { user: number; system: number }; at: number; connected: number };

async function main() {
  const database = await benchDatabase();
  const db = createDb(database.url);
  const ws = await db.workspace.create({ data: { name: "Fleet", slug: `fleet-${Date.now()}`, plan: "enterprise" } });
  const identities = Array.from({ length: RUNNERS }, (_, i) => {
    const { privateKey, publicKey } = generateKeyPairSync("ed25519");
    return { id: `fleet-runner-${i}`, privateKey, publicKey: publicKey.export({ format: "der", type: "spki" }).toString("base64") };
  });
  await db.runner.createMany({ data: identities.map((r) => ({ id: r.id, workspaceId: ws.id, name: r.id, publicKey: r.publicKey })) });

  const child = spawn(process.execPath, ["--expose-gc", "--import", "tsx", "server/runners/testing/instance-process.ts"], {
    env: { ...process.env, DATABASE_URL: database.url, LOG_LEVEL: "silent", HEARTBEAT_MS: String(HEARTBEAT_MS) },
    stdio: ["pipe", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout! });
  const pending: ((v: Record<string, unknown>) => void)[] = [];
  lines.on("line", (l) => pending.shift()?.(JSON.parse(l) as Record<string, unknown>));
  const nextLine = () => new Promise<Record<string, unknown>>((r) => pending.push(r));
  const ready = (await nextLine()) as { wsUrl: string };
  const stats = async (): Promise<Stats> => {
    child.stdin!.write("stats\n");
    return ((await nextLine()) as { stats: Stats }).stats;
  };

  await new Promise((r) => setTimeout(r, 2000));
  const baseline = await stats();

  const conns: TestConnection[] = [];
  const t0 = performance.now();
  for (let i = 0; i < identities.length; i += 50) {
    const batch = identities.slice(i, i + 50).map((r) => {
      const c = connectTestRunner(ready.wsUrl, {
        identity: { runnerId: r.id, privateKey: r.privateKey, publicKey: r.publicKey },
        capabilities: testCapabilities(),
      });
      conns.push(c);
      return c.next("welcome", 30_000);
    });
    await Promise.all(batch);
  }
  const connectSeconds = (performance.now() - t0) / 1000;
  // Heartbeats at the protocol interval, spread over it like real runners.
  const timers = conns.map((c, i) => {
    let seq = 0;
    const start = setTimeout(() => {
      c.send({ type: "heartbeat", seq: seq++, runningJobs: [] });
      timers[i] = setInterval(() => c.send({ type: "heartbeat", seq: seq++, runningJobs: [] }), HEARTBEAT_MS);
    }, Math.random() * HEARTBEAT_MS);
    return start as NodeJS.Timeout;
  });

  await new Promise((r) => setTimeout(r, HEARTBEAT_MS + 2000)); // every runner has heartbeated
  const s1 = await stats();
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  const s2 = await stats();

  const cpuMs = (s2.cpu.user + s2.cpu.system - s1.cpu.user - s1.cpu.system) / 1000;
  const wallMs = s2.at - s1.at;
  const mb = (b: number) => (b / 1024 / 1024).toFixed(1);
  console.log(`runners connected: ${s2.connected} (connect + auth of all took ${connectSeconds.toFixed(1)} s)`);
  console.log(
    `server RSS: baseline ${mb(baseline.rss)} MB -> ${mb(s2.rss)} MB with ${RUNNERS} runners: growth ${mb(s2.rss - baseline.rss)} MB (heap ${mb(baseline.heapUsed)} -> ${mb(s2.heapUsed)} MB)`,
  );
  console.log(
    `server CPU while ${RUNNERS} runners heartbeat every ${HEARTBEAT_MS / 1000} s: ${((cpuMs / wallMs) * 100).toFixed(2)}% of one core over ${(wallMs / 1000).toFixed(0)} s`,
  );

  for (const t of timers) clearInterval(t);
  for (const c of conns) c.ws.terminate();
  child.stdin!.write("exit\n");
  await new Promise((r) => child.once("exit", r));
  await db.$disconnect();
  await database.cleanup();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
