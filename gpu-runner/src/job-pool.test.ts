import { describe, expect, it } from "vitest";
import { JobPool } from "./job-pool";
import type { JobExecutor } from "./jobs/types";
import { silentLogger } from "./log";
import { jobOfferMessage, type RunnerMessage } from "./protocol";
import { fakeExecutor, inferenceOffer, zeroUsage } from "./testing/fixtures";

function pool(executor: JobExecutor, options: { connected?: () => boolean; maxPendingResults?: number; maxJobs?: number } = {}) {
  const sent: RunnerMessage[] = [];
  const jobs = new JobPool({
    executor,
    maxJobs: options.maxJobs ?? 4,
    log: silentLogger,
    coalesceMs: 0,
    maxPendingResults: options.maxPendingResults,
    send: (message) => {
      if (options.connected && !options.connected()) return false;
      sent.push(message);
      return true;
    },
  });
  const offer = (jobId: string) => jobs.handleOffer(jobOfferMessage.parse(inferenceOffer(jobId)));
  const results = () => sent.filter((m) => m.type === "job.result");
  return { jobs, sent, offer, results };
}

describe("JobPool", () => {
  it("fails a job whose result would not fit in one frame, instead of breaking the connection", async () => {
    const { jobs, offer, results } = pool(
      fakeExecutor(async () => ({
        status: "succeeded",
        output: { kind: "inference", text: "x".repeat(2 * 1024 * 1024), finishReason: "stop" },
        error: null,
        usage: zeroUsage,
      })),
    );
    offer("job_big");
    await jobs.idle();
    expect(results()[0]).toMatchObject({
      status: "failed",
      output: null,
      error: "The job's output is larger than the 1 MiB message limit.",
    });
  });

  it("fails a job whose worker returned output that breaks the protocol schema", async () => {
    const { jobs, offer, results } = pool(
      fakeExecutor(async () => ({
        status: "succeeded",
        output: { kind: "inference", text: "hi", finishReason: "bored" } as never,
        error: null,
        usage: zeroUsage,
      })),
    );
    offer("job_bad");
    await jobs.idle();
    expect(results()[0]).toMatchObject({ status: "failed", output: null, error: expect.stringContaining("output.finishReason") });
  });

  it("splits output longer than the chunk limit into several frames", async () => {
    const { jobs, offer, sent } = pool(
      fakeExecutor(async (_spec, ctx) => {
        ctx.emitChunk("stdout", "a".repeat(300 * 1024));
        return { status: "succeeded", output: { kind: "inference", text: "", finishReason: "stop" }, error: null, usage: zeroUsage };
      }),
    );
    offer("job_long");
    await jobs.idle();
    const chunks = sent.filter((m) => m.type === "job.chunk");
    expect(chunks.map((c) => [c.seq, c.data.length])).toEqual([
      [0, 256 * 1024],
      [1, 44 * 1024],
    ]);
  });

  it("keeps a bounded number of undelivered results, dropping the oldest, and sends them in order on flush", async () => {
    let connected = false;
    const { jobs, offer, results } = pool(
      fakeExecutor(async () => ({ status: "succeeded", output: null, error: null, usage: zeroUsage })),
      { connected: () => connected, maxPendingResults: 2 },
    );
    for (const id of ["job_1", "job_2", "job_3"]) offer(id);
    await jobs.idle();
    expect(jobs.pendingResultCount).toBe(2);
    connected = true;
    jobs.flushResults();
    expect(results().map((r) => r.type === "job.result" && r.jobId)).toEqual(["job_2", "job_3"]);
    expect(jobs.pendingResultCount).toBe(0);
  });

  it("acknowledges a re-offer of a job it is already running without starting it twice", async () => {
    let runs = 0;
    let finish!: () => void;
    const { jobs, offer, sent } = pool(
      fakeExecutor(async () => {
        runs += 1;
        await new Promise<void>((resolve) => (finish = resolve));
        return { status: "succeeded", output: null, error: null, usage: zeroUsage };
      }),
    );
    offer("job_1");
    offer("job_1");
    expect(sent.filter((m) => m.type === "job.accept")).toHaveLength(2);
    finish();
    await jobs.idle();
    expect(runs).toBe(1);
  });

  it("answers a re-offer of a job it already finished with that result instead of running it again", async () => {
    let runs = 0;
    const { jobs, offer, sent } = pool(
      fakeExecutor(async () => {
        runs += 1;
        return {
          status: "succeeded",
          output: { kind: "inference", text: `run ${runs}`, finishReason: "stop" },
          error: null,
          usage: zeroUsage,
        };
      }),
    );
    offer("job_1");
    await jobs.idle();
    offer("job_1");
    await jobs.idle();
    expect(runs).toBe(1);
    expect(sent.map((m) => m.type)).toEqual(["job.accept", "job.result", "job.accept", "job.result"]);
    expect(sent.filter((m) => m.type === "job.result").map((r) => r.output)).toEqual([
      { kind: "inference", text: "run 1", finishReason: "stop" },
      { kind: "inference", text: "run 1", finishReason: "stop" },
    ]);
  });

  it("runs a job again when offered after it was stopped here (cancelled or given back)", async () => {
    let runs = 0;
    const { jobs, offer } = pool(
      fakeExecutor(async (_spec, ctx) => {
        runs += 1;
        if (runs === 1) await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve));
        return { status: runs === 1 ? "cancelled" : "succeeded", output: null, error: null, usage: zeroUsage };
      }),
    );
    offer("job_1");
    jobs.cancel("job_1", "server", "lease lost");
    await jobs.idle();
    offer("job_1");
    await jobs.idle();
    expect(runs).toBe(2);
  });
});
