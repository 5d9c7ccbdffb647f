/**
 * Slack intake: genuinely signed `/jace ask` slash commands through the real Bolt receiver (the
 * handler the app mounts under /api/slack/) to the acknowledgement (each written to the durable
 * inbox first), while the app drains the inbox into tasks (intake statement, task/created sent to
 * the embedded executor's event API) and posts each thread to a loopback Slack fake. Prints
 * sustained requests/s, latency percentiles, the tasks written during the same window, and the app
 * process's CPU time and SQL round trips per command, and what became of every acknowledged
 * command once the inbox is empty: a task, a refusal told to the user, or lost (must be 0).
 *   npx tsx bench/slack-intake.ts [seconds=10] [concurrency=32] [teams=1]
 * BENCH_DRAIN=0 measures the acknowledgement alone; BENCH_DRAIN_CONCURRENCY sets the drainer's;
 * BENCH_SQL=1 lists the app's statements by count.
 * Goal: >= 300 req/s with p99 <= 50 ms, with tasks written at the same rate (not left to drain after).
 */
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { Agent, createServer, request, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import pg from "pg";
import pino from "pino";
import { createInngestClient, setInngest } from "@/inngest/client";
import { createEmbeddedExecutor } from "@/inngest/executor";
import { encryptSecret } from "@/server/crypto";
import { createDb, setDb } from "@/server/db";
import { overrideEnv } from "@/server/env";
import { startSlack } from "@/server/integrations/slack";
import { logger } from "@/server/logger";
import { startBus, stopBus } from "@/server/runners/bus";
import { slackSignature, startSlackFake } from "@/test/fakes/slack";
import { benchDatabase, percentile } from "./lib";

const SECONDS = Number(process.argv[2] ?? 10);
const CONCURRENCY = Number(process.argv[3] ?? 32);
const TEAMS = Number(process.argv[4] ?? 1);
/** How long the drain after the window may take before the remaining commands are reported as still in the inbox. */
const DRAIN_LIMIT_S = Number(process.env.BENCH_DRAIN_LIMIT_S ?? 600);
const SIGNING_SECRET = "bench-signing-secret-0123456789abcdef";
const signingKey = `signkey-bench-${"c4".repeat(32)}`;

async function toRequest(req: IncomingMessage): Promise<Request> {
  const chunks: Buffer[] = [];
  for await (const c of req as AsyncIterable<Buffer>) chunks.push(c);
  return new Request(`http://localhost${req.url}`, {
    method: req.method,
    headers: req.headers as Record<string, string>,
    body: chunks.length ? Buffer.concat(chunks) : undefined,
  });
}

/**
 * SQL round trips made by the app process, by statement (its first words): per command, the
 * figure that tracks CPU best (each one costs a socket write, a parse and a wake-up on both sides).
 */
const sqlCounts = new Map<string, number>();
function countSql() {
  const clientQuery = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const q = args[0] as string | { text?: string; name?: string } | undefined;
    const text = typeof q === "string" ? q : (q?.name ?? q?.text ?? "?");
    const key = text.replace(/\s+/g, " ").trim().slice(0, 70);
    sqlCounts.set(key, (sqlCounts.get(key) ?? 0) + 1);
    return (clientQuery as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof clientQuery;
}

/** The app side, in its own process so the load generator does not share its event loop. */
async function serve(databaseUrl: string, apiUrl: string) {
  // The app's logger is built at import time; quiet it so the figures do not measure log output.
  logger.level = "warn";
  countSql();
  const executor = createEmbeddedExecutor({
    databaseUrl,
    serveUrl: "http://127.0.0.1:1/unused",
    signingKey,
    eventKey: "bench",
    syncOnStart: false,
    log: pino({ level: "silent" }),
  });
  let slackHandler: ReturnType<typeof startSlack>["handler"] = null;
  const server = createServer((req, res) => {
    if (req.url?.startsWith("/api/slack/")) return slackHandler!(req, res);
    void toRequest(req)
      .then((r) => executor.handleEventApi(r))
      .then(async (r) => res.writeHead(r.status, { "content-type": "application/json" }).end(await r.text()))
      .catch(() => res.writeHead(503).end());
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  overrideEnv({ ...benchEnv(databaseUrl, apiUrl), APP_URL: url });
  const db = createDb(databaseUrl);
  setDb(db);
  await executor.start();
  // As in the app (the runner gateway starts it): each new task is also published for other instances.
  await startBus();
  setInngest(createInngestClient({ signingKey, eventKey: "bench", baseUrl: `${url}/`, isDev: false }));
  const slack = startSlack(db, pino({ level: "silent" }), {
    drain: process.env.BENCH_DRAIN !== "0",
    ...(process.env.BENCH_DRAIN_CONCURRENCY ? { concurrency: Number(process.env.BENCH_DRAIN_CONCURRENCY) } : {}),
  });
  slackHandler = slack.handler;
  process.stdout.write(`${JSON.stringify({ ready: true, url })}\n`);
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  createInterface({ input: process.stdin }).on("line", (line) => {
    if (line === "idle") void slack.idle().then(() => process.stdout.write(`${JSON.stringify({ idle: true })}\n`));
    // CPU time the app process has used so far (user + system, ms): a figure the machine's other load barely moves;
    // and how late its event loop ran since the last ask (p99, ms): what the drain costs the acknowledgements.
    if (line === "cpu") {
      const { user, system } = process.cpuUsage();
      const sql = Object.fromEntries(sqlCounts);
      process.stdout.write(`${JSON.stringify({ cpuMs: (user + system) / 1000, loopP99Ms: loop.percentile(99) / 1e6, sql })}\n`);
      loop.reset();
      sqlCounts.clear();
    }
    if (line === "stop") {
      void (async () => {
        await slack.stop();
        await executor.stop();
        server.closeAllConnections();
        server.close();
        await stopBus();
        await db.$disconnect();
        process.exit(0);
      })();
    }
  });
}

const benchEnv = (databaseUrl: string, apiUrl: string) => ({
  DATABASE_URL: databaseUrl,
  APP_ENCRYPTION_KEY: Buffer.alloc(32, 3).toString("base64"),
  AUTH_SECRET: "s".repeat(40),
  LOG_LEVEL: "warn",
  SLACK_CLIENT_ID: "1111.2222",
  SLACK_CLIENT_SECRET: "bench-client-secret-0123456789",
  SLACK_SIGNING_SECRET: SIGNING_SECRET,
  SLACK_API_URL: apiUrl,
});

/**
 * The load generator's POST: node:http on kept-alive sockets, one per concurrent sender. fetch
 * (undici) costs several times its CPU per request, which on two cores the app would pay for.
 */
const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
function post(target: string, body: string, headers: Record<string, string>): Promise<{ status: number; text: string }> {
  return new Promise((done, fail) => {
    const req = request(
      target,
      { method: "POST", agent, headers: { ...headers, "content-length": String(Buffer.byteLength(body)) } },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () => done({ status: res.statusCode ?? 0, text }));
        res.on("error", fail);
      },
    );
    req.on("error", fail);
    req.end(body);
  });
}

async function main() {
  logger.level = "warn";
  const database = await benchDatabase();
  const fake = await startSlackFake();
  overrideEnv(benchEnv(database.url, fake.apiUrl));
  const db = createDb(database.url);
  setDb(db);
  // BENCH_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") goes to the app process only.
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? "").split(" ").filter(Boolean);
  const app = spawn(
    process.execPath,
    [...nodeArgs, "--import", "tsx", fileURLToPath(import.meta.url), "--serve", database.url, fake.apiUrl],
    {
      env: process.env,
      stdio: ["pipe", "pipe", "inherit"],
    },
  );
  const lines = createInterface({ input: app.stdout! });
  const nextMessage = () =>
    new Promise<Record<string, unknown>>((ok, fail) => {
      lines.once("line", (line) => ok(JSON.parse(line) as Record<string, unknown>));
      app.once("exit", (code) => fail(new Error(`the app exited with ${code}`)));
    });
  const { url } = (await nextMessage()) as { url: string };

  // Teams, each installed into its own workspace with a linked channel, a member and a runner online.
  const teams: { teamId: string; channelId: string; userId: string }[] = [];
  for (let i = 0; i < TEAMS; i++) {
    const teamId = `TBENCH${i}`;
    const user = await db.user.create({ data: { email: `bench-${i}-${Date.now()}@example.test`, emailVerified: new Date() } });
    const ws = await db.workspace.create({
      // Enterprise: no plan limits, so the benchmark measures intake rather than the quota refusal.
      data: {
        name: `Bench ${i}`,
        slug: `bench-${i}-${Date.now()}`,
        plan: "enterprise",
        memberships: { create: { userId: user.id, role: "owner" } },
      },
    });
    const project = await db.project.create({ data: { workspaceId: ws.id, name: "api" } });
    await db.runner.create({ data: { workspaceId: ws.id, name: "box", publicKey: "unused", status: "online" } });
    const token = fake.installTeam(teamId, `Bench ${i}`);
    const installation = await db.slackInstallation.create({
      data: {
        workspaceId: ws.id,
        teamId,
        teamName: `Bench ${i}`,
        botUserId: "UBOT",
        encryptedBotToken: encryptSecret(token, teamId),
        botScopes: [],
      },
    });
    const channelId = `CBENCH${i}`;
    await db.slackChannelLink.create({
      data: { workspaceId: ws.id, installationId: installation.id, channelId, channelName: "bench", projectId: project.id },
    });
    await db.slackUserLink.create({
      data: { workspaceId: ws.id, installationId: installation.id, slackUserId: `U${i}`, userId: user.id, linkedVia: "email" },
    });
    teams.push({ teamId, channelId, userId: `U${i}` });
  }

  let n = 0;
  /** Trigger ids of the window's acknowledged commands: each must end as a task or as a reply to its response_url. */
  const acknowledged = new Set<string>();
  const send = async () => {
    const t = teams[n++ % teams.length]!;
    const trigger = randomUUID();
    const body = new URLSearchParams({
      team_id: t.teamId,
      channel_id: t.channelId,
      channel_name: "bench",
      user_id: t.userId,
      command: "/jace",
      text: `ask how fast is intake number ${n}?`,
      trigger_id: trigger,
      // Its own response_url per command, so the fake records which command each reply answers.
      response_url: `${fake.apiUrl}response/${trigger}`,
    }).toString();
    const start = performance.now();
    const headers = { "content-type": "application/x-www-form-urlencoded", ...slackSignature(SIGNING_SECRET, body) };
    const { status, text } = await post(`${url}/api/slack/events`, body, headers);
    const ms = performance.now() - start;
    if (process.env.BENCH_DEBUG && !text.includes("Working on it")) console.error(status, text.slice(0, 300));
    return { ok: status === 200 && text.includes("Working on it"), ms, trigger };
  };

  // Warm-up: module loading, prepared statements, caches.
  for (let i = 0; i < 20; i++) await send();
  const samples: number[] = [];
  let failures = 0;
  // The warm-up's commands drained first, so the window counts only its own.
  app.stdin!.write("idle\n");
  await nextMessage();
  const tasksBefore = await db.task.count({ where: { source: "slack" } });
  app.stdin!.write("cpu\n");
  const cpuBefore = ((await nextMessage()) as { cpuMs: number }).cpuMs;
  const started = performance.now();
  const deadline = started + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < deadline) {
        const r = await send();
        if (r.ok) {
          samples.push(r.ms);
          acknowledged.add(r.trigger);
        } else failures++;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const sorted = samples.sort((a, b) => a - b);
  const inWindow = await db.task.count({ where: { source: "slack" } });
  // Acknowledged requests whose tasks are still being written: how long until they all exist. The
  // inbox table decides, not the app's idle(): rows beyond its in-memory queue, and rows put back
  // for a retry, are held by no one until a poll claims them, and idle() counts only held rows.
  const drainStart = performance.now();
  const pending = () => db.slackInbox.count({ where: { doneAt: null } });
  const draining = process.env.BENCH_DRAIN !== "0";
  for (let open = draining ? await pending() : 0; open > 0; open = await pending()) {
    if (performance.now() - drainStart > DRAIN_LIMIT_S * 1000) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  app.stdin!.write("idle\n");
  await nextMessage();
  const drained = (performance.now() - drainStart) / 1000;
  app.stdin!.write("cpu\n");
  const after = (await nextMessage()) as { cpuMs: number; loopP99Ms: number; sql: Record<string, number> };
  const cpuMs = after.cpuMs - cpuBefore;
  const tasks = await db.task.count({ where: { source: "slack" } });
  if (sorted.length === 0) throw new Error("no request was acknowledged");
  console.log(`slack intake: ${SECONDS}s, ${CONCURRENCY} concurrent, ${TEAMS} team(s)`);
  console.log(`  acknowledged: ${samples.length} (${failures} failed), ${(samples.length / elapsed).toFixed(0)} req/s`);
  console.log(
    `  ack latency: p50 ${percentile(sorted, 50).toFixed(1)} ms, p95 ${percentile(sorted, 95).toFixed(1)} ms, p99 ${percentile(sorted, 99).toFixed(1)} ms, max ${sorted.at(-1)!.toFixed(1)} ms`,
  );
  // Written during the window, against acknowledged during it: the goal is both at the same sustained rate.
  const windowTasks = inWindow - tasksBefore;
  console.log(
    `  tasks written: ${windowTasks} in the window (${(windowTasks / elapsed).toFixed(0)} tasks/s, ${((100 * windowTasks) / samples.length).toFixed(0)}% of the acknowledged), the other ${tasks - inWindow} in the ${drained.toFixed(1)} s after it (${((tasks - tasksBefore) / (elapsed + drained)).toFixed(0)} tasks/s overall)`,
  );
  console.log(`  thread root messages posted to the fake: ${fake.callsOf("chat.postMessage").filter((c) => !c.args.thread_ts).length}`);
  console.log(
    `  app process CPU: ${(cpuMs / samples.length).toFixed(2)} ms per acknowledged command (acknowledgement, task, thread; ${(cpuMs / 1000).toFixed(1)} s in all); event loop delay p99 ${after.loopP99Ms.toFixed(1)} ms`,
  );

  console.log(`  outcome of the ${acknowledged.size} acknowledged commands: ${outcomes(await accountFor(db, fake, acknowledged))}`);

  const sqlTotal = Object.values(after.sql).reduce((a, b) => a + b, 0);
  console.log(`  app SQL round trips: ${(sqlTotal / samples.length).toFixed(1)} per acknowledged command (${sqlTotal} in all)`);
  if (process.env.BENCH_SQL) {
    for (const [text, count] of Object.entries(after.sql).sort((a, b) => b[1] - a[1]))
      console.log(`    ${String(count).padStart(7)}  ${text}`);
  }

  app.stdin!.write("stop\n");
  await new Promise((r) => app.once("exit", r));
  await fake.close();
  await db.$disconnect();
  await database.cleanup();
}

/**
 * What became of each acknowledged command: a task (found by its trigger id, the task's delivery
 * id), a refusal posted to its response_url (by its first words), still in the inbox, or lost:
 * none of these, so the person who typed it heard "Working on it" and then nothing.
 */
async function accountFor(db: ReturnType<typeof createDb>, fake: Awaited<ReturnType<typeof startSlackFake>>, triggers: Set<string>) {
  const ids = [...triggers];
  const tasks = new Set<string>();
  for (let i = 0; i < ids.length; i += 5000) {
    const rows = await db.task.findMany({
      where: { source: "slack", sourceDeliveryId: { in: ids.slice(i, i + 5000) } },
      select: { sourceDeliveryId: true },
    });
    for (const r of rows) tasks.add(r.sourceDeliveryId!);
  }
  const replies = new Map<string, string>();
  for (const call of fake.callsOf("response")) {
    const trigger = call.responseUrl?.split("/response/")[1];
    if (trigger) replies.set(trigger, String(call.args.text ?? "").slice(0, 40));
  }
  const waiting = new Set((await db.slackInbox.findMany({ where: { doneAt: null }, select: { triggerId: true } })).map((r) => r.triggerId));
  const counts = { tasks: 0, refusals: 0, "still in the inbox": 0, lost: 0 };
  const refusals = new Map<string, number>();
  for (const id of ids) {
    if (tasks.has(id)) counts.tasks++;
    else if (replies.has(id)) {
      counts.refusals++;
      refusals.set(replies.get(id)!, (refusals.get(replies.get(id)!) ?? 0) + 1);
    } else if (waiting.has(id)) counts["still in the inbox"]++;
    else counts.lost++;
  }
  return { counts, refusals };
}

function outcomes({ counts, refusals }: Awaited<ReturnType<typeof accountFor>>): string {
  const why = [...refusals].map(([text, k]) => `${k} "${text}..."`).join(", ");
  return `tasks: ${counts.tasks}, refusals told to the user: ${counts.refusals}${why ? ` (${why})` : ""}, still in the inbox: ${counts["still in the inbox"]}, lost: ${counts.lost}`;
}

(process.argv[2] === "--serve" ? serve(process.argv[3]!, process.argv[4]!) : main()).catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
