import { randomUUID } from "node:crypto";
import { backoffMs, retryAfterMs, type ExecutorContext } from "./context";
import { resolveWakeTime, parseDuration } from "./duration";
import {
  functionConfig,
  invokeOpts,
  stepsResponse,
  toSerializedError,
  type CallRequestBody,
  type FunctionConfig,
  type OutgoingOp,
  type StepState,
} from "./protocol";
import { postText, type HeaderLookup, type HttpReply } from "./http";
import { canonicalJson, signBody } from "./signing";
import {
  createRun,
  discoverIfIdle,
  enqueue,
  finishRun,
  lockRun,
  lockCall,
  memoize,
  recordStep,
  resolveStep,
  tx,
  txOpenedBy,
  type AfterCommit,
  type Db,
  type RunRow,
} from "./state";
import { lockWaitEvents, startWait } from "./waits";

export type JobRow = {
  id: string;
  run_id: string;
  kind: string;
  step_id: string;
  attempt: number;
  /** When the job became due (bigint from pg: a string); the call it makes starts after it. */
  due_at?: string | number;
  /** Where a waitForEvent this call reports starts looking back for events (see waits.ts). */
  since?: string | number | null;
};

/** The SDK's `attempts` is the number of retries (default 3), so a step gets attempts + 1 tries. */
export function maxAttempts(fn: FunctionConfig): number {
  return (fn.steps.step.retries?.attempts ?? 3) + 1;
}

export async function loadFunction(c: Db, id: string): Promise<FunctionConfig | undefined> {
  const { rows } = await c.query<{ config: unknown }>("SELECT config FROM inngest_executor.functions WHERE id = $1", [id]);
  return rows[0] ? functionConfig.parse(rows[0].config) : undefined;
}

/** Runs one claimed job. Results are applied only while this instance still holds the lease. */
export async function runJob(ctx: ExecutorContext, job: JobRow, signal: AbortSignal): Promise<AfterCommit> {
  const after: AfterCommit = { failedEvents: [] };
  if (job.kind === "call") return callSdk(ctx, job, signal);
  await tx(ctx.pool, async (c) => {
    const owned = await c.query("DELETE FROM inngest_executor.jobs WHERE id = $1 AND lease_owner = $2", [job.id, ctx.owner]);
    if (!owned.rowCount) return;
    const now = ctx.clock.now();
    if (job.kind === "sleep") return resolveStep(c, job.run_id, job.step_id, { data: null }, now);
    if (job.kind === "wait-timeout") {
      const wait = await c.query("DELETE FROM inngest_executor.waits WHERE run_id = $1 AND kind = 'event' AND step_id = $2", [
        job.run_id,
        job.step_id,
      ]);
      if (wait.rowCount) await resolveStep(c, job.run_id, job.step_id, { data: null }, now);
      return;
    }
    if (job.kind === "invoke-timeout") {
      const error = { name: "InngestInvokeTimeoutError", message: "Timed out waiting for the invoked function to finish" };
      return resolveStep(c, job.run_id, job.step_id, { error }, now);
    }
    // Thrown, it would roll back and come round again at every lease expiry; the job is gone now.
    const message = `The embedded executor does not know job kind "${job.kind}" (step ${job.step_id}); an instance of a newer version may have queued it.`;
    ctx.log.error({ jobId: job.id, runId: job.run_id, kind: job.kind }, message);
    const run = await lockRun(c, job.run_id);
    if (run?.status === "running") await finishRun(c, run, { status: "failed", error: { name: "UnknownJobKind", message } }, now, after);
  });
  return after;
}

function post(ctx: ExecutorContext, url: URL, body: unknown, signal: AbortSignal): Promise<HttpReply> {
  const text = canonicalJson(body);
  const headers = {
    "content-type": "application/json",
    "x-inngest-signature": signBody(text, ctx.signingKey),
    "x-inngest-server-kind": "cloud",
  };
  return postText(url, text, headers, { timeoutMs: ctx.requestTimeoutMs, signal });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** What the next call of a continued job needs: the run as the last apply left it. */
type Continuation = { job: JobRow; run: RunRow };

/**
 * Runs a call job. When the SDK reports finished steps and nothing else is queued for the run, the
 * job keeps its lease and calls again at once with the new step state (see continueCall), so a
 * run's next step costs one request and one transaction instead of a queue round trip.
 */
async function callSdk(ctx: ExecutorContext, first: JobRow, signal: AbortSignal): Promise<AfterCommit> {
  const after: AfterCommit = { failedEvents: [] };
  const pre = await ctx.pool.query<RunRow & { config: unknown }>(
    "SELECT r.*, f.config FROM inngest_executor.runs r LEFT JOIN inngest_executor.functions f ON f.id = r.function_id WHERE r.id = $1",
    [first.run_id],
  );
  const fn = pre.rows[0]?.config ? functionConfig.parse(pre.rows[0].config) : undefined;
  let next: Partial<Continuation> | undefined = { job: first, run: pre.rows[0] };
  while (next?.job && !signal.aborted) next = await callOnce(ctx, next.job, next.run, fn, signal, after);
  return after;
}

async function callOnce(
  ctx: ExecutorContext,
  job: JobRow,
  run: RunRow | undefined,
  fn: FunctionConfig | undefined,
  signal: AbortSignal,
  after: AfterCommit,
): Promise<Continuation | undefined> {
  const url = new URL(ctx.serveUrl);
  url.searchParams.set("fnId", run?.function_id ?? "");
  url.searchParams.set("stepId", job.step_id);
  const disableImmediate = run?.disable_immediate === true && (await branchesPending(ctx, run.id, job));
  const body: CallRequestBody | undefined = run &&
    fn && {
      ...(run.version ? { version: run.version } : {}),
      event: run.event,
      events: run.events,
      steps: run.steps,
      ctx: {
        run_id: run.id,
        attempt: job.attempt,
        max_attempts: maxAttempts(fn),
        disable_immediate_execution: disableImmediate,
        use_api: false,
        stack: { stack: run.stack, current: run.stack.length - 1 },
        // fn_id + qi_id switch SDK v4 to checkpointing: several steps per request, each reported to
        // our checkpoint API. Without them the SDK stays in the classic one-step-per-request mode.
        ...(ctx.checkpointing ? { fn_id: run.function_id, qi_id: job.id } : {}),
      },
    };
  const reply = body && run?.status === "running" ? await post(ctx, url, body, signal) : undefined;
  const parsed = reply?.ok && reply.status === 206 ? stepsResponse.safeParse(parseJson(reply.text)) : undefined;

  return txOpenedBy(ctx.pool, async (c, open): Promise<Continuation | undefined> => {
    if (parsed?.success) await lockWaitEvents(c, open, parsed.data); // before the run lock (lock order)
    const now = ctx.clock.now();
    const { run: locked, job: owned } = await lockCall(c, open, job.run_id, { jobId: job.id, owner: ctx.owner });
    if (!locked) {
      // The run is gone (pruned); the job goes with it unless another instance owns it now.
      await c.query("DELETE FROM inngest_executor.jobs WHERE id = $1 AND lease_owner = $2", [job.id, ctx.owner]);
      return;
    }
    if (!owned) return; // our lease was lost; another instance owns this call now
    if (locked.status !== "running") {
      await c.query("DELETE FROM inngest_executor.jobs WHERE id = $1", [job.id]);
      return;
    }
    if (!fn || !reply) {
      const message = `Function "${locked.function_id}" is not synced from ${ctx.serveUrl}; sync the app before sending its events.`;
      return void (await finishRun(c, locked, { status: "failed", error: { name: "FunctionNotFound", message } }, now, after));
    }
    const version = reply.ok ? Number(reply.headers.get("x-inngest-req-version")) : NaN;
    if (!locked.version && Number.isInteger(version) && version > 0) {
      await c.query("UPDATE inngest_executor.runs SET version = $2 WHERE id = $1", [locked.id, version]);
      locked.version = version;
    }
    const attempts = maxAttempts(fn);
    if (reply.ok && reply.status === 200) {
      return void (await finishRun(c, locked, { status: "completed", output: parseJson(reply.text) }, now, after));
    }
    if (reply.ok && parsed) {
      if (parsed.success) {
        const ops = parsed.data;
        const continued = await applyOps(ctx, c, locked, job, fn, { headers: reply.headers, ops }, after, { continuable: true });
        return continued ? continuation(locked, job, ops, now) : undefined;
      }
      const error = {
        name: "ProtocolError",
        message: `The SDK answered 206 with a body the executor cannot read: ${reply.text.slice(0, 200)}`,
      };
      return void (await finishRun(c, locked, { status: "failed", error }, now, after));
    }
    if (reply.status === 401 || reply.status === 403) {
      const message = `The SDK at ${ctx.serveUrl} rejected the executor's request signature (HTTP ${reply.status}). The executor's signing key must equal the app's INNGEST_SIGNING_KEY.`;
      return void (await finishRun(c, locked, { status: "failed", error: { name: "SignatureRejected", message } }, now, after));
    }
    const error = reply.ok
      ? toSerializedError(parseJson(reply.text), `HTTP ${reply.status} from the SDK`)
      : { name: "NetworkError", message: reply.error };
    const noRetry = reply.ok && reply.headers.get("x-inngest-no-retry") === "true";
    if (noRetry || job.attempt + 1 >= attempts) return void (await finishRun(c, locked, { status: "failed", error }, now, after));
    const delay = (reply.ok ? retryAfterMs(reply.headers.get("retry-after"), now) : undefined) ?? backoffMs(job.attempt);
    ctx.log.warn({ runId: locked.id, attempt: job.attempt, error }, "inngest call failed; retrying");
    await c.query(
      "UPDATE inngest_executor.jobs SET attempt = attempt + 1, due_at = $2, lease_owner = NULL, lease_until = NULL WHERE id = $1",
      [job.id, now + delay],
    );
  });
}

/**
 * Whether a run that once reported parallel steps may still have a branch in progress: a queued or
 * running job (another call, a sleep, a timeout) or a pending waitForEvent. Spec 5.5 has every step
 * after parallel ones planned first (a second request per step), lest two calls of the run each run
 * a step at once; here only a discovery call may run a step unplanned, a run has one at a time (see
 * discoverIfIdle), and the SDK runs a step unplanned only when it finds exactly one unfinished, so
 * once no branch is pending the run goes back to one request per step (the task pipeline runs its
 * five steps after the runner job in one request instead of ten, each queued behind other runs).
 */
async function branchesPending(ctx: ExecutorContext, runId: string, job: JobRow): Promise<boolean> {
  if (job.step_id !== "step") return true; // a planned step's call runs that step only
  const { rows } = await ctx.pool.query<{ pending: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM inngest_executor.jobs WHERE run_id = $1 AND id <> $2)
         OR EXISTS (SELECT 1 FROM inngest_executor.waits WHERE run_id = $1 AND kind = 'event') AS pending`,
    [runId, job.id],
  );
  return rows[0]?.pending !== false;
}

/** The run and job as continueCall left them in the database, without reading them again. */
function continuation(run: RunRow, job: JobRow, ops: OutgoingOp[], now: number): Continuation {
  const steps = { ...run.steps };
  const stack = [...run.stack];
  for (const op of ops) {
    steps[op.id] = { data: op.data ?? null };
    if (!stack.includes(op.id)) stack.push(op.id);
  }
  return {
    run: { ...run, steps, stack, disable_immediate: run.disable_immediate || ops.length > 1 },
    job: { ...job, step_id: "step", attempt: 0, due_at: now, since: Math.min(job.due_at === undefined ? now : Number(job.due_at), now) },
  };
}

/**
 * Turns the finished call job into the run's discovery call, still leased to us, when the ops only
 * finished steps and no other call of the run is queued (what discoverIfIdle would have queued).
 * A job holding concurrency slots yields them to a due job of an older run that the slots would
 * let start (its keys are all among this run's), as the claim would pick that one first; a younger
 * run's job, or one of another group (another workspace's, held back by its own key), waits.
 */
async function continueCall(c: Db, run: RunRow, job: JobRow, now: number): Promise<boolean> {
  const keys = (run.concurrency ?? []).map((s) => s.key);
  const competitor = keys.length
    ? `AND NOT EXISTS (SELECT 1 FROM inngest_executor.jobs w, inngest_executor.jobs me
                        WHERE me.id = $1 AND w.ckeys && $5::text[] AND w.ckeys <@ $5::text[] AND w.id <> $1
                          AND coalesce(w.run_rank, 0) < coalesce(me.run_rank, 0)
                          AND w.due_at <= $3 AND (w.lease_until IS NULL OR w.lease_until < $3))`
    : "";
  const { rowCount } = await c.query(
    `UPDATE inngest_executor.jobs SET step_id = 'step', attempt = 0, due_at = $3, since = LEAST($4::bigint, $3::bigint)
      WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM inngest_executor.jobs o WHERE o.run_id = $2 AND o.kind = 'call' AND o.id <> $1)
      ${competitor}`,
    [job.id, run.id, now, job.due_at === undefined ? now : Number(job.due_at), ...(keys.length ? [keys] : [])],
  );
  return rowCount === 1;
}

/**
 * Applies the ops of a 206 response (or of a checkpoint, which reports finished steps while the
 * call goes on: then the call's job stays and no discovery is queued).
 */
export async function applyOps(
  ctx: ExecutorContext,
  c: Db,
  run: RunRow,
  job: JobRow,
  fn: FunctionConfig,
  reply: { headers: HeaderLookup; ops: OutgoingOp[] },
  after: AfterCommit,
  mode: { checkpoint?: boolean; continuable?: boolean } = {},
): Promise<boolean> {
  const now = ctx.clock.now();
  const ops = reply.ops;
  if (ops.length > 1 && !run.disable_immediate) {
    // Spec 5.5: once steps were reported in parallel, every later step must be planned first.
    await c.query("UPDATE inngest_executor.runs SET disable_immediate = true WHERE id = $1", [run.id]);
  }
  let progressed = false;
  let keepJob = false;
  for (const op of ops) {
    const base = { runId: run.id, stepId: op.id, name: op.displayName ?? op.name, now };
    switch (op.op) {
      case "StepRun":
      case "Step":
        await recordStep(
          c,
          { ...base, op: op.op, status: "completed", attempt: job.attempt, output: op.data ?? null, done: true },
          { data: op.data ?? null },
        );
        progressed = true;
        break;
      case "StepError":
      case "StepFailed": {
        const error = toSerializedError(op.error, "step failed");
        const retry = op.op === "StepError" && job.attempt + 1 < maxAttempts(fn);
        if (retry) {
          const delay = retryAfterMs(reply.headers.get("retry-after"), now) ?? backoffMs(job.attempt);
          if (job.step_id === op.id) {
            keepJob = true;
            await c.query(
              "UPDATE inngest_executor.jobs SET attempt = attempt + 1, due_at = $2, lease_owner = NULL, lease_until = NULL WHERE id = $1",
              [job.id, now + delay],
            );
          } else {
            await enqueue(c, { runId: run.id, kind: "call", stepId: op.id, dueAt: now + delay, attempt: job.attempt + 1, run });
          }
          await recordStep(c, { ...base, op: op.op, status: "retrying", attempt: job.attempt, error });
        } else {
          await recordStep(c, { ...base, op: op.op, status: "failed", attempt: job.attempt, error, done: true }, { error });
          progressed = true;
        }
        break;
      }
      case "StepPlanned":
        await enqueue(c, { runId: run.id, kind: "call", stepId: op.id, dueAt: now, run });
        await recordStep(c, { ...base, op: op.op, status: "planned" });
        break;
      case "Sleep": {
        const spec = op.name ?? (typeof op.opts?.duration === "string" ? op.opts.duration : "");
        const wake = resolveWakeTime(spec, now);
        if (wake === undefined) return failOp(c, run, op, `Sleep has an unreadable duration "${spec}"`, now, after);
        await enqueue(c, { runId: run.id, kind: "sleep", stepId: op.id, dueAt: wake });
        await recordStep(c, { ...base, op: op.op, status: "sleeping", output: { until: new Date(wake).toISOString() } });
        break;
      }
      case "WaitForEvent": {
        await recordStep(c, { ...base, op: op.op, status: "waiting" });
        const started = await startWait(c, run, op, now, lookBackFrom(job, now));
        if (!started) return failOp(c, run, op, "WaitForEvent needs an event name and a timeout", now, after);
        if (started === "resolved") progressed = true;
        break;
      }
      case "InvokeFunction": {
        const result = await startInvoke(c, run, op, now);
        if (result) {
          await memoize(c, run.id, op.id, result);
          progressed = true;
        }
        await recordStep(c, {
          ...base,
          op: op.op,
          status: result ? "failed" : "invoking",
          ...(result && "error" in result ? { error: result.error, done: true } : {}),
        });
        break;
      }
      case "RunComplete":
        await c.query("DELETE FROM inngest_executor.jobs WHERE id = $1", [job.id]);
        await finishRun(c, run, { status: "completed", output: op.data ?? null }, now, after);
        return false;
      default:
        return failOp(c, run, op, `Unknown opcode "${op.op}"; the embedded executor does not support it`, now, after);
    }
  }
  if (mode.checkpoint) return false;
  const onlyFinished = ops.every((op) => op.op === "StepRun" || op.op === "Step");
  if (mode.continuable && job.kind === "call" && onlyFinished && (await continueCall(c, run, job, now))) return true;
  if (!keepJob) await c.query("DELETE FROM inngest_executor.jobs WHERE id = $1", [job.id]);
  // The steps this call ran started after it became due: a wait the next call reports looks back to then.
  if (progressed) await discoverIfIdle(c, run, now, job.due_at === undefined ? now : Number(job.due_at));
  return false;
}

function lookBackFrom(job: JobRow, now: number): number {
  const since = job.since ?? job.due_at;
  return since === undefined || since === null ? now : Number(since);
}

async function failOp(c: Db, run: RunRow, op: OutgoingOp, why: string, now: number, after: AfterCommit): Promise<false> {
  const error = { name: "UnsupportedStep", message: `${why} (step "${op.displayName ?? op.name ?? op.id}", op ${op.op}).` };
  await recordStep(c, {
    runId: run.id,
    stepId: op.id,
    name: op.displayName ?? op.name,
    op: op.op,
    status: "failed",
    now,
    error,
    done: true,
  });
  await finishRun(c, run, { status: "failed", error }, now, after);
  return false;
}

/** Starts the invoked run once; returns a step state only when the invocation cannot start. */
async function startInvoke(c: Db, run: RunRow, op: OutgoingOp, now: number): Promise<StepState | undefined> {
  const existing = await c.query("SELECT 1 FROM inngest_executor.runs WHERE parent_run_id = $1 AND parent_step_id = $2", [run.id, op.id]);
  if (existing.rowCount) return undefined;
  const opts = invokeOpts.safeParse(op.opts ?? {});
  if (!opts.success) return { error: { name: "InvalidInvoke", message: "InvokeFunction without function_id/payload" } };
  const target = await loadFunction(c, opts.data.function_id);
  if (!target) return { error: { name: "FunctionNotFound", message: `Cannot invoke "${opts.data.function_id}": no such synced function` } };
  const event = {
    id: randomUUID(),
    name: "inngest/function.invoked",
    data: { ...(opts.data.payload.data ?? {}), _inngest: { source_fn_id: run.function_id, source_run_id: run.id, invoke_step_id: op.id } },
    ts: now,
  };
  await createRun(c, target, [event], now, { runId: run.id, stepId: op.id });
  const timeout = opts.data.timeout ? parseDuration(opts.data.timeout) : undefined;
  if (timeout !== undefined) await enqueue(c, { runId: run.id, kind: "invoke-timeout", stepId: op.id, dueAt: now + timeout });
  return undefined;
}
