/**
 * Billing overheads: the quota check and reservation at intake (goal p99 <= 5 ms; it is part of the
 * one intake statement, so that whole statement is timed), whole intake with 8 concurrent
 * submitters, the rate-limit check, and meter events flushed to Stripe per second (the real SDK
 * against the loopback fake).
 *   npx tsx bench/billing.ts [samples] [meterReports]
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import { Inngest } from "inngest";
import { setInngest } from "@/inngest/client";
import { createDb, setDb } from "@/server/db";
import { overrideEnv } from "@/server/env";
import { checkRateLimit, flushRateLimits } from "@/server/features/billing/rate-limit";
import { sendMeterReports } from "@/server/features/billing/metering";
import { admitTask, createTask } from "@/server/features/tasks/intake";
import { startStripeFake } from "@/test/fakes/stripe";
import { benchDatabase, summary } from "./lib";

const samples = Number(process.argv[2] ?? 1000);
const reports = Number(process.argv[3] ?? 2000);

const database = await benchDatabase();
const fake = await startStripeFake({
  webhookSecret: "whsec_bench",
  prices: { price_bench: { product: "p", nickname: "Pro", unitAmount: 2900 } },
});
overrideEnv({
  DATABASE_URL: database.url,
  APP_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString("base64"),
  AUTH_SECRET: "b".repeat(40),
  LOG_LEVEL: "silent",
  STRIPE_SECRET_KEY: fake.secretKey,
  STRIPE_WEBHOOK_SECRET: "whsec_bench",
  STRIPE_API_URL: fake.url,
  STRIPE_PRICE_PRO: "price_bench",
  STRIPE_PRICE_TEAM: "price_bench_team",
});
const db = createDb(database.url);
setDb(db);
// Intake sends task/created; an event API that accepts everything stands in for the executor,
// since nothing needs to run the pipelines here.
const events = createServer((req, res) => {
  req.resume();
  req.on("end", () => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ ids: ["bench"], status: 200 })));
});
await new Promise<void>((r) => events.listen(0, "127.0.0.1", r));
setInngest(
  new Inngest({
    id: "bench",
    isDev: true,
    eventKey: "b",
    baseUrl: `http://127.0.0.1:${(events.address() as AddressInfo).port}/`,
    logger: { info() {}, warn() {}, error() {}, debug() {} },
  }),
);

try {
  const user = await db.user.create({ data: { email: `bench-${Date.now()}@example.test` } });
  const actor = { type: "user" as const, id: user.id, label: user.email };
  const ws = await db.workspace.create({ data: { name: "Bench", slug: `bench-${Date.now()}`, plan: "team" } });
  await db.project.create({ data: { workspaceId: ws.id, name: "p" } });

  // 1. The admission statement alone (number, quota and concurrency checks, task, log, audit), one at a
  // time; the tasks are finished between samples so the Team plan's concurrent limit never refuses.
  const reserve: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t0 = performance.now();
    const row = await admitTask(db, ws.id, actor, { task: { kind: "ask", question: "q" } }, { source: "api" }, new Date());
    reserve.push(performance.now() - t0);
    await db.task.update({ where: { id: row.id }, data: { status: "succeeded" } });
  }
  console.log(summary("intake statement incl. quota check + reservation (sequential)", reserve));

  // 1b. The quota's own part of that statement on its own: the billing account read, the concurrent
  // slot check on the workspace row and the monthly counter's upsert, as a statement of its own (so
  // with a round trip and a commit the intake statement shares with its task, log and audit writes:
  // an upper bound of what the quota adds to intake).
  const quota: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t0 = performance.now();
    await db.$queryRaw`
      WITH acct AS (SELECT b.status FROM "BillingAccount" b WHERE b."workspaceId" = ${ws.id}),
      slot AS (SELECT w.id FROM "Workspace" w WHERE w.id = ${ws.id} AND w."activeTasks" < 1000
                AND NOT EXISTS (SELECT 1 FROM acct WHERE acct.status = 'unpaid'))
      INSERT INTO "UsageCounter" AS u ("workspaceId", period, tasks, "overageTasks", "updatedAt")
      SELECT ${ws.id}, 'bench', 1, 0, now() FROM slot
      ON CONFLICT ("workspaceId", period) DO UPDATE SET tasks = u.tasks + 1, "updatedAt" = now() WHERE u.tasks < 1000000
      RETURNING u.tasks`;
    quota.push(performance.now() - t0);
  }
  console.log(summary("quota part alone (account, concurrent slot, monthly counter; own round trip + commit)", quota));

  // 2. The same under load: 8 submitters creating real tasks at once (reservations queue on the lock).
  await db.usageCounter.deleteMany({ where: { workspaceId: ws.id } });
  const concurrentWs = await db.workspace.create({ data: { name: "Bench 2", slug: `bench2-${Date.now()}`, plan: "enterprise" } });
  await db.project.create({ data: { workspaceId: concurrentWs.id, name: "p" } });
  const intake: number[] = [];
  let n = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (n < samples) {
        n++;
        const t0 = performance.now();
        await createTask(db, concurrentWs.id, actor, { task: { kind: "ask", question: "q" } }, { source: "api" });
        intake.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  console.log(
    summary("whole intake incl. reservation (8 concurrent submitters)", intake),
    `-> ${(intake.length / seconds).toFixed(0)} tasks/s`,
  );

  const rate: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t0 = performance.now();
    await checkRateLimit(db, { id: ws.id, plan: "enterprise" }, "webhook");
    rate.push(performance.now() - t0);
  }
  await flushRateLimits();
  console.log(summary("rate-limit check", rate));

  // 3. Meter events flushed per second.
  const stripeCustomer = (await fetch(`${fake.url}/v1/customers`, {
    method: "POST",
    headers: { authorization: `Bearer ${fake.secretKey}`, "content-type": "application/x-www-form-urlencoded" },
    body: "name=Bench",
  }).then((r) => r.json())) as { id: string };
  await db.billingAccount.create({ data: { workspaceId: ws.id, stripeCustomerId: stripeCustomer.id } });
  await db.meterReport.createMany({
    data: Array.from({ length: reports }, (_, i) => ({
      id: `${ws.id}:bench:tasks:${i}`,
      workspaceId: ws.id,
      period: "2026-12",
      metric: "tasks",
      value: 1,
    })),
  });
  for (const concurrency of [1, 8, 16]) {
    await db.meterReport.updateMany({ where: { workspaceId: ws.id }, data: { status: "pending" } });
    fake.meterEvents.length = 0;
    const t0 = performance.now();
    let sent = 0;
    for (;;) {
      const r = await sendMeterReports(db, { limit: 500, concurrency });
      sent += r.sent;
      if (r.sent + r.failed === 0) break;
    }
    const s = (performance.now() - t0) / 1000;
    console.log(`meter events flushed: ${sent} in ${s.toFixed(2)} s = ${(sent / s).toFixed(0)} events/s (concurrency ${concurrency})`);
  }
} finally {
  await db.$disconnect();
  await fake.close();
  events.close();
  await database.cleanup();
}
