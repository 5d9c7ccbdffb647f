/**
 * Dispatch latency through the real gateway over real sockets:
 *   offer latency  = dispatchJob() called -> the runner receives job.offer
 *   resume latency = the runner sends job.result -> awaitJobResult() resolves for the caller
 * with 1 and with 100 connected runners. Goal: p50 <= 10 ms, p99 <= 50 ms on loopback.
 * Run: npx tsx bench/runner-dispatch.ts [jobs per scenario, default 300]
 */
import { performance } from "node:perf_hooks";
import { createEnrollmentToken } from "@/server/runners/enrollment";
import { awaitJobResult, dispatchJob } from "@/server/runners/jobs";
import { connectTestRunner, enrollTestRunner, testCapabilities, type TestConnection } from "@/server/runners/testing/protocol-client";
import { benchRunnerApp, summary } from "./lib";

const JOBS = Number(process.argv[2] ?? 300);

async function main() {
  const { db, app, ws, actor, close } = await benchRunnerApp("Bench");

  const offersSeen = new Map<string, number>();
  const conns: TestConnection[] = [];
  async function addRunners(n: number) {
    for (let i = 0; i < n; i++) {
      const { token } = await createEnrollmentToken(db, ws.id, actor, null, { labels: [] });
      const identity = await enrollTestRunner(app.url, token, `bench-${conns.length}`);
      const conn = connectTestRunner(app.wsUrl, {
        identity,
        capabilities: testCapabilities({ maxConcurrentJobs: 4 }),
        onMessage: (m, c) => {
          if (m.type !== "job.offer") return;
          offersSeen.set(m.jobId, performance.now());
          c.send({ type: "job.accept", jobId: m.jobId });
          resultSentAt.set(m.jobId, performance.now());
          c.send({
            type: "job.result",
            jobId: m.jobId,
            status: "succeeded",
            output: { kind: "inference", text: "ok", finishReason: "stop" },
            error: null,
            usage: {},
          });
        },
      });
      await conn.next("welcome");
      conns.push(conn);
    }
  }
  const resultSentAt = new Map<string, number>();

  async function scenario(label: string) {
    const offer: number[] = [];
    const resume: number[] = [];
    for (let i = 0; i < JOBS + 20; i++) {
      const t0 = performance.now();
      const { jobId } = await dispatchJob(db, ws.id, { kind: "inference", model: "tiny", messages: [{ role: "user", content: "hi" }] });
      await awaitJobResult(db, ws.id, jobId, { pollMs: 5000 });
      const t2 = performance.now();
      if (i < 20) continue; // warm-up
      offer.push(offersSeen.get(jobId)! - t0);
      resume.push(t2 - resultSentAt.get(jobId)!);
    }
    console.log(`[${label}] ${summary("job created -> runner receives", offer)}`);
    console.log(`[${label}] ${summary("result -> caller resumes     ", resume)}`);
  }

  await addRunners(1);
  await scenario("1 runner");
  await addRunners(99);
  await scenario("100 runners");

  for (const c of conns) c.ws.close();
  await close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
