import type { Capabilities } from "@jace/gpu-runner/protocol";
import type { Db } from "@/server/db";
import { awaitJobResult, cancelJob, dispatchStreaming } from "@/server/runners/jobs";
import { unfitReason } from "@/server/runners/matching";
import { matchesPattern } from "../catalog";
import { firstStop, stopFilter } from "../stop-text";
import type { ChatMessage, Usage } from "../types";

/** The local provider: an inference job on one of the workspace's runners, through the runner service. */

/**
 * Why a runner call failed, which decides what the router does next:
 * - failure: the runner or model broke (error, timeout): counts against the circuit, fails over;
 * - busy: the job never started, every fitting runner stayed busy for the queue wait: capacity, fails over;
 * - context: the prompt does not fit the model's context: fails over to a bigger model;
 * - schema: the runner cannot follow the requested JSON schema: the caller's to fix (400).
 */
export type RunnerFailure = "failure" | "busy" | "context" | "schema";

export class RunnerProviderError extends Error {
  constructor(
    readonly reason: string,
    readonly kind: RunnerFailure = "failure",
  ) {
    super(reason);
    this.name = "RunnerProviderError";
  }

  get busy(): boolean {
    return this.kind === "busy";
  }
}

/** The kind of a failed inference job, from the error the runner reported. */
export function runnerFailureOf(error: string): RunnerFailure {
  if (/No runner took this job in time/.test(error)) return "busy";
  if (/unsupported jsonSchema/i.test(error)) return "schema";
  if (/more than the model's context/i.test(error)) return "context";
  return "failure";
}

/**
 * Which local model can serve `patterns` now: the first pattern any online runner offers and can
 * fit (in VRAM, and with a context window that holds `promptTokens`). Returns the reason otherwise
 * ("no runner online", "does not fit in VRAM"); `tooLong` when only the context was too small.
 */
export async function pickLocalModel(
  db: Db,
  workspaceId: string,
  patterns: string[],
  promptTokens = 0,
): Promise<{ model: string } | { reason: string; tooLong?: boolean }> {
  if (patterns.length === 0) return { reason: "the model has no local equivalent" };
  const runners = await db.runner.findMany({
    where: { workspaceId, revokedAt: null, status: { in: ["online", "busy"] } },
    select: { id: true, capabilities: true },
  });
  return pickFromRunners(runners, patterns, promptTokens);
}

/** pickLocalModel on a list of online runners already read (the router reads them with its plan). */
export function pickFromRunners(
  runners: { id: string; capabilities: unknown }[],
  patterns: string[],
  promptTokens = 0,
): { model: string } | { reason: string; tooLong?: boolean } {
  if (patterns.length === 0) return { reason: "the model has no local equivalent" };
  if (runners.length === 0) return { reason: "no runner online" };
  const unfit: string[] = [];
  const short: string[] = [];
  for (const pattern of patterns) {
    for (const r of runners) {
      const caps = r.capabilities as Capabilities;
      for (const m of caps.models ?? []) {
        if (!matchesPattern(pattern, m.id)) continue;
        if (m.contextLength && promptTokens >= m.contextLength) {
          short.push(
            `the prompt (about ${promptTokens.toLocaleString("en-US")} tokens) does not fit the context of ${m.id} (${m.contextLength.toLocaleString("en-US")})`,
          );
          continue;
        }
        const why = unfitReason(
          { model: m.id, labels: [] },
          { runnerId: r.id, capabilities: caps, freeSlots: 1, excluded: false, declined: false },
        );
        if (!why) return { model: m.id };
        unfit.push(`${m.id} ${why.replace(/^cannot fit/, "does not fit")}`);
      }
    }
  }
  if (unfit.length > 0) return { reason: `model ${unfit[0]}` };
  if (short.length > 0) return { reason: short[0]!, tooLong: true };
  return { reason: `no online runner has a model matching ${patterns.join(" or ")}` };
}

export type RunnerCallInput = {
  workspaceId: string;
  model: string;
  messages: ChatMessage[];
  maxTokens: number;
  temperature?: number;
  seed?: number;
  stop?: string[];
  jsonSchema?: Record<string, unknown>;
  onToken?: (text: string) => void;
  signal?: AbortSignal;
  queueTimeoutMs: number;
  timeoutMs: number;
};

export type RunnerCallResult = {
  text: string;
  finishReason: "stop" | "length" | "cancelled";
  usage: Usage;
  gpuSeconds: number;
  runnerId: string | null;
  jobId: string;
};

export async function callRunner(db: Db, input: RunnerCallInput): Promise<RunnerCallResult> {
  const { jobId, events } = await dispatchStreaming(
    db,
    input.workspaceId,
    {
      kind: "inference",
      model: input.model,
      messages: input.messages,
      maxTokens: input.maxTokens,
      ...(input.temperature !== undefined ? { temperature: input.temperature } : {}),
      ...(input.seed !== undefined ? { seed: input.seed } : {}),
      ...(input.stop?.length ? { stop: input.stop } : {}),
      ...(input.jsonSchema ? { jsonSchema: input.jsonSchema } : {}),
    },
    { queueTimeoutMs: input.queueTimeoutMs, timeoutMs: input.timeoutMs, maxAttempts: 2 },
  );
  const onAbort = () => void cancelJob(db, input.workspaceId, jobId, "the caller went away").catch(() => undefined);
  input.signal?.addEventListener("abort", onAbort, { once: true });
  // Runners stop at `stop` themselves; this also holds a runner that predates it to the promise.
  const stops = input.stop ?? [];
  const shown = stopFilter(stops);
  const show = (text: string) => text && input.onToken?.(text);
  try {
    for await (const e of events) {
      if (e.type === "chunk" && e.stream === "token") show(shown.push(e.data));
    }
    const result = await awaitJobResult(db, input.workspaceId, jobId);
    if (result.status !== "succeeded" || result.output?.kind !== "inference") {
      const why = result.error ?? result.status;
      const kind = runnerFailureOf(why);
      if (kind === "busy") throw new RunnerProviderError(`runner busy: ${why}`, kind);
      throw new RunnerProviderError(/timed out|timeout/i.test(why) ? `runner timeout: ${why}` : `runner error: ${why}`, kind);
    }
    show(shown.end());
    const cut = firstStop(result.output.text, stops);
    return {
      text: cut < 0 ? result.output.text : result.output.text.slice(0, cut),
      finishReason: cut < 0 ? result.output.finishReason : "stop",
      usage: { promptTokens: result.usage?.promptTokens ?? 0, completionTokens: result.usage?.completionTokens ?? 0 },
      // Wall time is not GPU time: a CPU-only runner reports 0 GPU seconds and is billed energy only.
      gpuSeconds: result.usage?.gpuSeconds ?? 0,
      runnerId: result.runnerId,
      jobId,
    };
  } finally {
    input.signal?.removeEventListener("abort", onAbort);
  }
}
