import { randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import pg from "pg";
import { getEnv } from "../env";
import { logger } from "../logger";
import { guardPool } from "../pg-guard";

/**
 * Cross-instance signals for the runner system over PostgreSQL LISTEN/NOTIFY, with an in-process
 * fast path: an event is delivered to local listeners at once and to other app instances through
 * NOTIFY (each instance ignores its own notifications). Chunks are batched per job so a token
 * stream costs one NOTIFY per 25 ms rather than one per token.
 */

export type JobEvent =
  | { type: "chunk"; jobId: string; seq: number; stream: "token" | "stdout" | "stderr" | "log"; data: string }
  | { type: "progress"; jobId: string; phase: string; fraction: number | null; message?: string }
  | { type: "state"; jobId: string; status: string };

export type ControlEvent =
  | { type: "cancel"; runnerId: string; jobId: string; reason: string }
  | { type: "revoke"; runnerId: string }
  | { type: "relabel"; runnerId: string; labels: string[] }
  | { type: "jobs"; workspaceId: string }
  /** Does an instance hold a live connection of this runner? (see handover.ts) */
  | { type: "probe"; runnerId: string; probeId: string; instanceId: string | null }
  | { type: "probe.reply"; probeId: string; alive: boolean; where: string };

/** A task changed (status, step, new log lines): live views re-read what they show. */
export type TaskEvent = { type: "task"; taskId: string; workspaceId: string };

const CHANNEL_JOB = "jace_job_events";
const CHANNEL_TASK = "jace_task_events";
/** In-process only: job events this instance published (exactly one instance sees each). */
const LOCAL_JOB = "local_job_events";
const CHANNEL_CONTROL = "jace_runner_control";
const MAX_PAYLOAD = 7000;

type Bus = {
  instanceId: string;
  emitter: EventEmitter;
  listener: pg.Client | null;
  publisher: pg.Pool | null;
  starting: Promise<void> | null;
  /** Bumped by stopBus: a reconnect scheduled before it gives up. */
  generation: number;
  reconnectTimer: NodeJS.Timeout | null;
  pendingChunks: Map<string, JobEvent[]>;
  flushTimer: NodeJS.Timeout | null;
  /** Every NOTIFY on the job channel, in publish order: each waits for the one before it. */
  jobSends: Promise<void>;
  pendingTasks: { event: TaskEvent; done: () => void }[];
  sendingTasks: boolean;
};

const g = globalThis as unknown as { jaceRunnerBus?: Bus };

function bus(): Bus {
  if (!g.jaceRunnerBus) {
    const emitter = new EventEmitter();
    emitter.setMaxListeners(0);
    g.jaceRunnerBus = {
      instanceId: randomUUID(),
      emitter,
      listener: null,
      publisher: null,
      starting: null,
      generation: 0,
      reconnectTimer: null,
      pendingChunks: new Map(),
      flushTimer: null,
      jobSends: Promise.resolve(),
      pendingTasks: [],
      sendingTasks: false,
    };
  }
  // a bus made by an older module version (hot reload)
  g.jaceRunnerBus.pendingTasks ??= [];
  g.jaceRunnerBus.jobSends ??= Promise.resolve();
  g.jaceRunnerBus.generation ??= 0;
  g.jaceRunnerBus.reconnectTimer ??= null;
  return g.jaceRunnerBus;
}

/**
 * Connects the LISTEN client once per process. Safe to call repeatedly. A lost LISTEN connection
 * reconnects by itself (see listen); notifications sent while it was down are not replayed.
 */
export async function startBus(): Promise<void> {
  const b = bus();
  if (b.listener) return;
  b.starting ??= (async () => {
    const url = getEnv().DATABASE_URL!;
    b.publisher ??= guardPool(new pg.Pool({ connectionString: url, max: 3 }), logger, "runner bus");
    b.listener = await listen(b, url, b.generation);
  })().catch((err: unknown) => {
    b.starting = null; // the next call tries again
    throw err;
  });
  await b.starting;
}

/** A connected client LISTENing on the bus channels, which reconnects when its connection drops. */
async function listen(b: Bus, url: string, generation: number): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  client.on("notification", (msg) => {
    if (!msg.payload) return;
    try {
      const { from, events } = JSON.parse(msg.payload) as { from: string; events: unknown[] };
      if (from === b.instanceId) return;
      for (const e of events) b.emitter.emit(msg.channel, e);
    } catch (err) {
      logger.warn({ err }, "bad bus notification");
    }
  });
  // 'error' (the server ended the session) or 'end' (the socket closed): either may come alone.
  const lost = (err?: Error) => {
    if (b.listener !== client) return; // still connecting (the caller sees the failure), or replaced
    logger.warn({ err }, "runner bus: LISTEN connection lost, reconnecting");
    b.listener = null;
    void client.end().catch(() => undefined);
    reconnect(b, url, generation, 100);
  };
  client.on("error", lost);
  client.on("end", () => lost());
  try {
    await client.connect();
    await client.query(`LISTEN ${CHANNEL_JOB}; LISTEN ${CHANNEL_CONTROL}; LISTEN ${CHANNEL_TASK}`);
  } catch (err) {
    await client.end().catch(() => undefined);
    throw err;
  }
  return client;
}

function reconnect(b: Bus, url: string, generation: number, delayMs: number): void {
  if (b.generation !== generation) return;
  b.reconnectTimer = setTimeout(() => {
    b.reconnectTimer = null;
    listen(b, url, generation).then(
      async (client) => {
        if (b.generation !== generation) return void (await client.end().catch(() => undefined));
        b.listener = client;
        logger.info("runner bus: LISTEN connection back");
      },
      (err: unknown) => {
        logger.warn({ err, retryInMs: Math.min(delayMs * 2, 5000) }, "runner bus: could not reconnect");
        reconnect(b, url, generation, Math.min(delayMs * 2, 5000));
      },
    );
  }, delayMs);
}

export async function stopBus(): Promise<void> {
  const b = bus();
  await flushChunks();
  b.generation++;
  if (b.reconnectTimer) clearTimeout(b.reconnectTimer);
  b.reconnectTimer = null;
  const listener = b.listener;
  b.listener = null; // first, so its 'end' is not taken for a lost connection
  await listener?.end().catch(() => {});
  await b.publisher?.end().catch(() => {});
  b.publisher = null;
  b.starting = null;
}

async function notify(channel: string, events: unknown[]): Promise<void> {
  const b = bus();
  if (!b.publisher) return; // single-process use (tests of services without the bus) stays local
  // Split so every payload stays under PostgreSQL's 8000-byte limit.
  let batch: unknown[] = [];
  let size = 0;
  const send = async () => {
    if (batch.length === 0) return;
    await b.publisher!.query("SELECT pg_notify($1, $2)", [channel, JSON.stringify({ from: b.instanceId, events: batch })]);
    batch = [];
    size = 0;
  };
  for (const e of events) {
    const pieces = splitLarge(e);
    for (const piece of pieces) {
      const len = JSON.stringify(piece).length;
      if (size + len > MAX_PAYLOAD) await send();
      batch.push(piece);
      size += len;
    }
  }
  await send();
}

function splitLarge(e: unknown): unknown[] {
  const ev = e as JobEvent;
  if (ev.type !== "chunk" || ev.data.length < MAX_PAYLOAD - 300) return [e];
  const parts: unknown[] = [];
  for (let i = 0; i < ev.data.length; i += MAX_PAYLOAD - 300) parts.push({ ...ev, data: ev.data.slice(i, i + MAX_PAYLOAD - 300) });
  return parts;
}

/**
 * Queues a NOTIFY of job events behind every earlier one. Two sends on the pool's connections
 * would otherwise race: a state event could commit before a chunk batch still in flight, and a
 * listener would end the stream without that batch.
 */
function sendJobEvents(events: JobEvent[]): Promise<void> {
  const b = bus();
  b.jobSends = b.jobSends.then(() => notify(CHANNEL_JOB, events).catch((err) => logger.warn({ err }, "could not publish job events")));
  return b.jobSends;
}

/** Sends the pending chunk batches now (taken synchronously, so later events queue behind them). */
function flushChunks(): Promise<void> {
  const b = bus();
  if (b.flushTimer) clearTimeout(b.flushTimer);
  b.flushTimer = null;
  const events = [...b.pendingChunks.values()].flat();
  b.pendingChunks.clear();
  return events.length > 0 ? sendJobEvents(events) : b.jobSends;
}

/** Publishes a job event: local listeners now, other instances via NOTIFY (chunks batched). */
export function publishJobEvent(event: JobEvent): void {
  const b = bus();
  b.emitter.emit(CHANNEL_JOB, event);
  b.emitter.emit(LOCAL_JOB, event);
  if (!b.publisher) return;
  if (event.type === "chunk") {
    const list = b.pendingChunks.get(event.jobId) ?? [];
    list.push(event);
    b.pendingChunks.set(event.jobId, list);
    b.flushTimer ??= setTimeout(() => void flushChunks(), 25);
    return;
  }
  // State changes must not overtake chunks published before them.
  void flushChunks();
  void sendJobEvents([event]);
}

export function onJobEvent(handler: (e: JobEvent) => void): () => void {
  const b = bus();
  b.emitter.on(CHANNEL_JOB, handler);
  return () => b.emitter.off(CHANNEL_JOB, handler);
}

/** Job events published by this instance only, for work that must happen once per event. */
export function onLocalJobEvent(handler: (e: JobEvent) => void): () => void {
  const b = bus();
  b.emitter.on(LOCAL_JOB, handler);
  return () => b.emitter.off(LOCAL_JOB, handler);
}

export async function publishControl(event: ControlEvent): Promise<void> {
  bus().emitter.emit(CHANNEL_CONTROL, event);
  await notify(CHANNEL_CONTROL, [event]);
}

export function onControl(handler: (e: ControlEvent) => void): () => void {
  const b = bus();
  b.emitter.on(CHANNEL_CONTROL, handler);
  return () => b.emitter.off(CHANNEL_CONTROL, handler);
}

/**
 * Publishes a task event: local listeners now, other instances via NOTIFY. Events published while
 * a NOTIFY is in flight go together in the next one (a burst of intake costs a few NOTIFYs, not
 * one per task); the same task twice in one batch is sent once. Resolves once its batch was sent.
 */
export async function publishTaskEvent(event: TaskEvent): Promise<void> {
  const b = bus();
  b.emitter.emit(CHANNEL_TASK, event);
  if (!b.publisher) return;
  await new Promise<void>((done) => {
    b.pendingTasks.push({ event, done });
    if (!b.sendingTasks) void sendTaskEvents(b);
  });
}

async function sendTaskEvents(b: Bus): Promise<void> {
  b.sendingTasks = true;
  try {
    while (b.pendingTasks.length > 0) {
      const batch = b.pendingTasks.splice(0, 500);
      const events = [...new Map(batch.map(({ event }) => [`${event.taskId}:${event.type}`, event])).values()];
      await notify(CHANNEL_TASK, events).catch((err) => logger.warn({ err }, "could not publish task events"));
      for (const p of batch) p.done();
    }
  } finally {
    b.sendingTasks = false;
  }
}

export function onTaskEvent(handler: (e: TaskEvent) => void): () => void {
  const b = bus();
  b.emitter.on(CHANNEL_TASK, handler);
  return () => b.emitter.off(CHANNEL_TASK, handler);
}
