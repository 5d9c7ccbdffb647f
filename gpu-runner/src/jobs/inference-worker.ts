import {
  getLlama,
  LlamaChat,
  LlamaLogLevel,
  type ChatHistoryItem,
  type GbnfJsonSchema,
  type Llama,
  type LlamaGrammar,
  type LlamaModel,
} from "node-llama-cpp";
import type { InferenceSpec } from "../protocol";
import { CpuMeter } from "./cpu-meter";
import type { FromWorker, ToWorker, WorkerInit, WorkerResult } from "./inference-ipc";
import { findUnsupportedType } from "./json-schema";
import { WarmCache } from "./warm-models";

/**
 * The model process. It runs in a child of the runner so that llama.cpp aborting on a bad model
 * file (GGML_ASSERT calls abort()) takes down only this process. Models stay loaded between jobs.
 */

const send = (message: FromWorker) => process.send?.(message);
const emptyUsage = () => ({ promptTokens: 0, completionTokens: 0, gpuSeconds: 0, cpuSeconds: 0 });
const failed = (error: string): WorkerResult => ({ status: "failed", output: null, error, usage: emptyUsage() });

let init: WorkerInit | null = null;
let llamaPromise: Promise<Llama> | null = null;
let models: WarmCache<LlamaModel> | null = null;
const controllers = new Map<string, AbortController>();
const cpu = new CpuMeter();

const logLevels: Partial<Record<LlamaLogLevel, "error" | "warn" | "info" | "debug">> = {
  [LlamaLogLevel.fatal]: "error",
  [LlamaLogLevel.error]: "error",
  [LlamaLogLevel.warn]: "warn",
  [LlamaLogLevel.info]: "info",
  [LlamaLogLevel.log]: "info",
  [LlamaLogLevel.debug]: "debug",
};

function llama(): Promise<Llama> {
  if (!init) throw new Error("model process used before init");
  const { gpu, threads } = init;
  llamaPromise ??= getLlama({
    // Never fall back to compiling llama.cpp from source on a runner.
    build: "never",
    gpu,
    maxThreads: threads,
    logLevel: LlamaLogLevel.warn,
    logger: (level, message) => send({ type: "log", level: logLevels[level] ?? "info", message: message.trimEnd() }),
  });
  return llamaPromise;
}

function toHistory(messages: InferenceSpec["messages"]): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = messages.map((m) =>
    m.role === "system"
      ? { type: "system", text: m.content }
      : m.role === "user"
        ? { type: "user", text: m.content }
        : { type: "model", response: [m.content] },
  );
  // A trailing assistant message is a prefix to continue; otherwise start a fresh response.
  if (messages.at(-1)?.role !== "assistant") history.push({ type: "model", response: [] });
  return history;
}

/** Context just big enough for the prompt and the answer: "auto" would reserve the model's full (often 128k) context. */
function contextSizeFor(model: LlamaModel, spec: InferenceSpec): number {
  const promptTokens = model.tokenize(spec.messages.map((m) => m.content).join("\n")).length + 16 * spec.messages.length;
  if (promptTokens >= model.trainContextSize) {
    throw new Error(`the prompt is about ${promptTokens} tokens, more than the model's context of ${model.trainContextSize}`);
  }
  return Math.min(model.trainContextSize, Math.ceil((promptTokens + spec.maxTokens + 64) / 256) * 256);
}

function finishReason(stopReason: string): "stop" | "length" | "cancelled" {
  if (stopReason === "maxTokens") return "length";
  if (stopReason === "abort") return "cancelled";
  return "stop";
}

async function loadModel(jobId: string, path: string, signal: AbortSignal): Promise<LlamaModel> {
  let lastSent = 0;
  let loaded = false;
  send({ type: "progress", jobId, phase: "loading_model", fraction: 0 });
  const lib = await llama();
  const model = await lib
    .loadModel({
      modelPath: path,
      loadSignal: signal,
      onLoadProgress: (fraction) => {
        // Native progress callbacks can arrive after loadModel resolved; keep the reported progress monotonic.
        if (loaded || fraction - lastSent < 0.05) return;
        lastSent = fraction;
        send({ type: "progress", jobId, phase: "loading_model", fraction });
      },
    })
    .catch((error: Error) => {
      throw new Error(`could not load the model file (${error.message}); it may be incomplete or not a GGUF this llama.cpp supports`);
    });
  loaded = true;
  if (lastSent < 1) send({ type: "progress", jobId, phase: "loading_model", fraction: 1 });
  return model;
}

async function generate(jobId: string, spec: InferenceSpec, model: LlamaModel, signal: AbortSignal): Promise<WorkerResult> {
  const lib = await llama();
  let grammar: LlamaGrammar | undefined;
  if (spec.jsonSchema) {
    const unsupported = findUnsupportedType(spec.jsonSchema);
    if (unsupported) return failed(`unsupported jsonSchema: ${unsupported}`);
    try {
      grammar = await lib.createGrammarForJsonSchema<GbnfJsonSchema>(spec.jsonSchema as GbnfJsonSchema);
    } catch (error) {
      return failed(`unsupported jsonSchema: ${(error as Error).message}`);
    }
  }
  const context = await model.createContext({ contextSize: contextSizeFor(model, spec), threads: init!.threads });
  try {
    const sequence = context.getSequence();
    const chat = new LlamaChat({ contextSequence: sequence });
    send({ type: "progress", jobId, phase: "generating", fraction: null });
    const started = performance.now();
    const response = await chat.generateResponse(toHistory(spec.messages), {
      maxTokens: spec.maxTokens,
      temperature: spec.temperature,
      ...(spec.seed !== undefined ? { seed: spec.seed } : {}),
      // llama.cpp holds back text that may begin a trigger, so neither the stream nor the answer shows it.
      ...(spec.stop?.length ? { customStopTriggers: spec.stop } : {}),
      grammar,
      signal,
      stopOnAbortSignal: true,
      onTextChunk: (text) => send({ type: "token", jobId, text }),
    });
    const seconds = (performance.now() - started) / 1000;
    const reason = signal.aborted ? "cancelled" : finishReason(response.metadata.stopReason);
    return {
      status: reason === "cancelled" ? "cancelled" : "succeeded",
      output: { kind: "inference", text: response.response, finishReason: reason },
      error: reason === "cancelled" ? "cancelled" : null,
      usage: {
        promptTokens: sequence.tokenMeter.usedInputTokens,
        completionTokens: sequence.tokenMeter.usedOutputTokens,
        gpuSeconds: lib.gpu !== false && model.gpuLayers > 0 ? seconds : 0,
        cpuSeconds: 0,
      },
    };
  } finally {
    await context.dispose();
  }
}

async function run(message: Extract<ToWorker, { type: "run" }>): Promise<void> {
  const { jobId, spec, model: file } = message;
  const controller = new AbortController();
  controllers.set(jobId, controller);
  cpu.start(jobId);
  let result: WorkerResult;
  try {
    const model = await models!.acquire(file.path, file.sizeBytes, () => loadModel(jobId, file.path, controller.signal));
    try {
      result = await generate(jobId, spec, model, controller.signal);
    } finally {
      models!.release(file.path);
    }
  } catch (error) {
    result = controller.signal.aborted
      ? { status: "cancelled", output: null, error: "cancelled", usage: emptyUsage() }
      : failed(`inference failed for model "${file.id}": ${(error as Error).message}`);
  } finally {
    controllers.delete(jobId);
  }
  result.usage.cpuSeconds = cpu.stop(jobId);
  send({ type: "result", jobId, result });
}

async function shutdown(): Promise<never> {
  for (const controller of controllers.values()) controller.abort();
  await models?.clear();
  if (llamaPromise) await (await llamaPromise).dispose();
  process.exit(0);
}

process.on("message", (message: ToWorker) => {
  switch (message.type) {
    case "init":
      init = message.init;
      models = new WarmCache<LlamaModel>(init.memoryBudgetBytes, (model) => model.dispose());
      // Start loading llama.cpp (~1 s) before the first job needs it; a failure surfaces in that job.
      llama().catch(() => {});
      break;
    case "run":
      void run(message);
      break;
    case "cancel":
      controllers.get(message.jobId)?.abort();
      break;
    case "shutdown":
      void shutdown();
      break;
  }
});

// The runner went away: nothing left to report to.
// A terminal Ctrl-C reaches the whole process group; the runner decides when this worker ends
// (it drains first), and the worker exits when the runner's IPC channel closes.
process.on("SIGINT", () => {});
process.on("SIGTERM", () => {});
process.on("disconnect", () => process.exit(0));
