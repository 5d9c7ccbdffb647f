import type { JobContext, JobExecutor, JobOutcome } from "./jobs/types";
import type { Logger } from "./log";
import { jobResultMessage, MAX_MESSAGE_BYTES, type JobOfferMessage, type JobResultMessage, type RunnerMessage } from "./protocol";

/** What the app must hear of a job that ended here: its result, or that it is given back. */
type Outcome = JobResultMessage | Extract<RunnerMessage, { type: "job.reject" }>;

/**
 * The worker side of the runner: runs offered jobs in a bounded number of slots, streams their
 * chunks and progress, and keeps results that finish while the socket is down until it is back.
 * A job stopped because the runner shuts down is given back to the app (a `draining` decline),
 * not reported cancelled: the user's task did not ask for that, another runner can take it.
 */

export type Send = (message: RunnerMessage, onSent?: (error?: Error) => void) => boolean;

type CancelReason = "server" | "timeout" | "shutdown";

type RunningJob = {
  jobId: string;
  controller: AbortController;
  cancelReason: CancelReason | null;
  cancelMessage: string | null;
  seq: number;
  pending: { stream: ChunkStream; data: string } | null;
  flushTimer: NodeJS.Timeout | null;
};

type ChunkStream = Parameters<JobContext["emitChunk"]>[0];

/** Chunk data limit of the protocol (characters). */
const MAX_CHUNK_CHARS = 256 * 1024;
/** Coalesce token-by-token output into fewer frames; small enough to feel live. */
const DEFAULT_COALESCE_MS = 25;

export type JobPoolOptions = {
  executor: JobExecutor;
  maxJobs: number;
  send: Send;
  log: Logger;
  maxPendingResults?: number;
  coalesceMs?: number;
  now?: () => number;
};

const emptyUsage = { promptTokens: 0, completionTokens: 0, gpuSeconds: 0, cpuSeconds: 0, wallSeconds: 0 };

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export class JobPool {
  readonly #options: Required<Omit<JobPoolOptions, "now">> & { now: () => number };
  readonly #running = new Map<string, RunningJob>();
  readonly #pendingResults: Outcome[] = [];
  /** Results of the last jobs that ran to their end here (not stopped), by job id, oldest first. */
  readonly #finished = new Map<string, JobResultMessage>();
  readonly #idleWaiters = new Set<() => void>();
  #draining = false;

  constructor(options: JobPoolOptions) {
    // Defaults also for options passed as undefined.
    this.#options = {
      ...options,
      maxPendingResults: options.maxPendingResults ?? 100,
      coalesceMs: options.coalesceMs ?? DEFAULT_COALESCE_MS,
      now: options.now ?? Date.now,
    };
  }

  get draining(): boolean {
    return this.#draining;
  }

  /** From now on every offer is rejected; running jobs continue. */
  drain(): void {
    this.#draining = true;
  }

  runningIds(): string[] {
    return [...this.#running.keys()];
  }

  get pendingResultCount(): number {
    return this.#pendingResults.length;
  }

  /** Jobs whose results (or give-backs) wait for the socket, oldest first. */
  pendingJobIds(): string[] {
    return this.#pendingResults.map((r) => r.jobId);
  }

  /** Resolves once no job is running. */
  idle(): Promise<void> {
    if (this.#running.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.add(resolve));
  }

  handleOffer(offer: JobOfferMessage): void {
    const { send, log, maxJobs } = this.#options;
    if (this.#running.has(offer.jobId)) {
      // A re-offer of a job this runner already holds (e.g. after a reconnect): it keeps running
      // and its result will follow, so acknowledge it again instead of starting a second copy.
      send({ type: "job.accept", jobId: offer.jobId });
      return;
    }
    const finished = this.#finished.get(offer.jobId);
    if (finished) {
      // Offered again a job it already finished (an app that re-queued it while this runner was
      // away and never heard the result): the result answers the offer; the job does not run twice.
      log.info("offer of a job already finished here; sending its result again", { jobId: offer.jobId });
      send({ type: "job.accept", jobId: offer.jobId });
      if (!this.#sendResult(finished)) this.#keep(finished);
      return;
    }
    const reject = this.#draining
      ? ({ code: "draining", reason: "draining" } as const)
      : this.#running.size >= maxJobs
        ? ({ code: "at_capacity", reason: `at capacity (${this.#running.size} of ${maxJobs} jobs running)` } as const)
        : null;
    if (reject) {
      log.info("job rejected", { jobId: offer.jobId, reason: reject.reason });
      send({ type: "job.reject", jobId: offer.jobId, ...reject });
      return;
    }
    send({ type: "job.accept", jobId: offer.jobId });
    this.#start(offer);
  }

  cancel(jobId: string, reason: CancelReason, message: string): boolean {
    const job = this.#running.get(jobId);
    if (!job) return false;
    if (!job.cancelReason) {
      job.cancelReason = reason;
      job.cancelMessage = message;
    }
    job.controller.abort(new Error(message));
    return true;
  }

  cancelAll(reason: CancelReason, message: string): void {
    for (const jobId of this.#running.keys()) this.cancel(jobId, reason, message);
  }

  /** Sends results kept while disconnected, oldest first. Called once the socket is authenticated. */
  flushResults(): void {
    while (this.#pendingResults.length) {
      const result = this.#pendingResults.shift()!;
      if (!this.#sendResult(result)) {
        this.#pendingResults.unshift(result);
        return;
      }
    }
  }

  #start(offer: JobOfferMessage): void {
    const { executor, log, now } = this.#options;
    const startedAt = now();
    const job: RunningJob = {
      jobId: offer.jobId,
      controller: new AbortController(),
      cancelReason: null,
      cancelMessage: null,
      seq: 0,
      pending: null,
      flushTimer: null,
    };
    this.#running.set(offer.jobId, job);
    const timeout = setTimeout(() => {
      log.warn("job timed out", { jobId: offer.jobId, timeoutMs: offer.timeoutMs });
      this.cancel(offer.jobId, "timeout", `Job timed out after ${Math.round(offer.timeoutMs / 1000)} s`);
    }, offer.timeoutMs);
    log.info("job started", { jobId: offer.jobId, attempt: offer.attempt, kind: offer.spec.kind });

    const ctx: JobContext = {
      jobId: offer.jobId,
      signal: job.controller.signal,
      emitChunk: (stream, data) => this.#chunk(job, stream, data),
      emitProgress: (phase, fraction, message) => {
        if (!this.#running.has(job.jobId)) return;
        this.#flushChunks(job);
        const clamped = fraction === null || Number.isNaN(fraction) ? null : Math.min(1, Math.max(0, fraction));
        this.#options.send({
          type: "job.progress",
          jobId: job.jobId,
          phase,
          fraction: clamped,
          ...(message === undefined ? {} : { message: truncate(message, 500) }),
        });
      },
    };

    void (async () => {
      let outcome: JobOutcome;
      try {
        outcome = await executor.run(offer.spec, ctx);
      } catch (error) {
        outcome = {
          status: job.cancelReason ? "cancelled" : "failed",
          output: null,
          error: (error as Error)?.message ?? String(error),
          usage: emptyUsage,
        };
      }
      clearTimeout(timeout);
      this.#flushChunks(job);
      this.#running.delete(job.jobId);
      const seconds = Math.round((now() - startedAt) / 100) / 10;
      let result: Outcome;
      if (job.cancelReason === "shutdown" && outcome.status !== "succeeded") {
        result = {
          type: "job.reject",
          jobId: job.jobId,
          code: "draining",
          reason: truncate(job.cancelMessage ?? "the runner stopped", 1000),
        };
        log.info("job stopped and given back to the queue", { jobId: job.jobId, seconds });
      } else {
        result = this.#toResult(job, outcome, (now() - startedAt) / 1000);
        log.info("job finished", { jobId: job.jobId, status: result.status, error: result.error ?? undefined, seconds });
        if (!job.cancelReason) this.#remember(result);
      }
      if (!this.#sendResult(result)) this.#keep(result);
      if (this.#running.size === 0) {
        for (const resolve of this.#idleWaiters) resolve();
        this.#idleWaiters.clear();
      }
    })();
  }

  #toResult(job: RunningJob, outcome: JobOutcome, wallSeconds: number): JobResultMessage {
    let status = outcome.status;
    let error = outcome.error;
    // The runner's own reasons for stopping a job override what the worker made of the abort.
    if (job.cancelReason === "timeout" && status !== "succeeded") {
      status = "failed";
      error = job.cancelMessage;
    } else if (job.cancelReason && status !== "succeeded") {
      status = "cancelled";
      error = error ?? job.cancelMessage;
    }
    const usage = { ...emptyUsage, ...outcome.usage };
    if (!usage.wallSeconds) usage.wallSeconds = wallSeconds;
    const candidate = {
      type: "job.result" as const,
      jobId: job.jobId,
      status,
      output: outcome.output,
      error: error === null ? null : truncate(error, 4000),
      usage,
    };
    const parsed = jobResultMessage.safeParse(candidate);
    if (!parsed.success) {
      return {
        ...candidate,
        status: "failed",
        output: null,
        error: `The runner produced an invalid result: ${truncate(parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "), 3000)}`,
      };
    }
    // The server closes the socket on frames over the limit; fail the job rather than the connection.
    if (Buffer.byteLength(JSON.stringify(parsed.data)) > MAX_MESSAGE_BYTES - 1024) {
      return {
        ...parsed.data,
        status: "failed",
        output: null,
        error: `The job's output is larger than the ${MAX_MESSAGE_BYTES / 1024 / 1024} MiB message limit.`,
      };
    }
    return parsed.data;
  }

  #remember(result: JobResultMessage): void {
    this.#finished.set(result.jobId, result);
    for (const jobId of this.#finished.keys()) {
      if (this.#finished.size <= this.#options.maxPendingResults) break;
      this.#finished.delete(jobId);
    }
  }

  #sendResult(result: Outcome): boolean {
    return this.#options.send(result, (error) => {
      if (error) this.#keep(result);
    });
  }

  #keep(result: Outcome): void {
    this.#pendingResults.push(result);
    const overflow = this.#pendingResults.length - this.#options.maxPendingResults;
    if (overflow > 0) {
      for (const dropped of this.#pendingResults.splice(0, overflow)) {
        this.#options.log.warn("result dropped (too many undelivered results)", { jobId: dropped.jobId });
      }
    }
    this.#options.log.info("result kept until reconnected", { jobId: result.jobId, pending: this.#pendingResults.length });
  }

  #chunk(job: RunningJob, stream: ChunkStream, data: string): void {
    if (!this.#running.has(job.jobId) || data.length === 0) return;
    if (job.pending && (job.pending.stream !== stream || job.pending.data.length + data.length > MAX_CHUNK_CHARS)) this.#flushChunks(job);
    if (job.pending) job.pending.data += data;
    else job.pending = { stream, data };
    if (this.#options.coalesceMs <= 0) this.#flushChunks(job);
    else job.flushTimer ??= setTimeout(() => this.#flushChunks(job), this.#options.coalesceMs);
  }

  #flushChunks(job: RunningJob): void {
    if (job.flushTimer) clearTimeout(job.flushTimer);
    job.flushTimer = null;
    const pending = job.pending;
    job.pending = null;
    if (!pending) return;
    for (let offset = 0; offset < pending.data.length;) {
      let end = Math.min(offset + MAX_CHUNK_CHARS, pending.data.length);
      // Do not split a surrogate pair across frames.
      const code = pending.data.charCodeAt(end - 1);
      if (end < pending.data.length && code >= 0xd800 && code <= 0xdbff) end -= 1;
      // Chunks are live output: while disconnected they are dropped, and the seq gap shows it.
      this.#options.send({
        type: "job.chunk",
        jobId: job.jobId,
        seq: job.seq++,
        stream: pending.stream,
        data: pending.data.slice(offset, end),
      });
      offset = end;
    }
  }
}
