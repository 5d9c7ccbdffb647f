import { randomUUID, sign, type KeyObject } from "node:crypto";
import { hostname } from "node:os";
import WebSocket from "ws";
import { createBackoff, type BackoffOptions } from "./backoff";
import { RunnerError } from "./errors";
import { JobPool, type Send } from "./job-pool";
import type { JobExecutor } from "./jobs/types";
import { silentLogger, type Logger } from "./log";
import {
  capabilities as capabilitiesSchema,
  challengePayload,
  closeCodes,
  CONNECT_PATH,
  fatalCloseCodes,
  MAX_MESSAGE_BYTES,
  parseMessage,
  PROTOCOL_VERSION,
  serverMessage,
  type Capabilities,
  type RunnerMessage,
} from "./protocol";
import { runnerVersion } from "./version";

/**
 * The listener: one outbound WebSocket, authenticated by signing the server's nonce, kept alive by
 * a heartbeat loop and re-opened with backoff. Jobs run in the JobPool (the workers) and survive a
 * reconnect; a fatal close code ends the runner instead of retrying forever.
 */

export type RunnerConfig = {
  /** Normalized app URL, e.g. https://jace.example.com */
  server: string;
  runnerId: string;
  privateKey: KeyObject;
  maxConcurrentJobs: number;
  /** How long stop() waits for running jobs before cancelling them. Default 5 minutes. */
  drainTimeoutMs?: number;
  /** How often capabilities are re-detected (and re-reported when they changed). Default 60 s. */
  capabilitiesIntervalMs?: number;
  /** Limit for the upgrade and for challenge -> welcome. Default 15 s. */
  handshakeTimeoutMs?: number;
  /** Reconnect backoff; a connection that stayed up stableAfterMs (default 30 s) resets it. */
  backoff?: BackoffOptions & { stableAfterMs?: number };
  /** Results kept while disconnected; the oldest are dropped beyond this. Default 100. */
  maxPendingResults?: number;
  /** Token output is coalesced for this long into one chunk frame. Default 25 ms. */
  chunkCoalesceMs?: number;
};

export type RunnerDeps = {
  executor: JobExecutor;
  /** Detects the machine's current capabilities (called at start, on refresh and periodically). */
  capabilities: () => Promise<Capabilities>;
  log?: Logger;
  /** Aborting it is the same as calling stop(). */
  signal?: AbortSignal;
};

export type RunnerExit = { reason: "stopped"; undelivered: number } | { reason: "fatal"; closeCode: number; message: string };

export type RunnerHandle = {
  /** Resolves when the runner has ended, by stop() or a fatal close. */
  done: Promise<RunnerExit>;
  /**
   * Drains: rejects new offers, waits for running jobs (then stops them and gives them back to the
   * app's queue), sends results, closes with 1000.
   */
  stop: (options?: { drainTimeoutMs?: number }) => Promise<RunnerExit>;
  /** Stops every running job now and gives it back to the app's queue (e.g. on a second SIGINT during a drain). */
  cancelJobs: (message?: string) => void;
  /** Re-detects capabilities and reports them if they changed. */
  refreshCapabilities: () => Promise<void>;
  runningJobs: () => string[];
  readonly connected: boolean;
};

export const fatalMessages: Record<number, string> = {
  [closeCodes.revoked]: "This runner was revoked in the dashboard. Enroll it again with a new token.",
  [closeCodes.unknownRunner]: "The server does not know this runner (it may have been deleted). Enroll it again with a new token.",
  [closeCodes.unsupportedVersion]: `The server no longer supports this runner's protocol (v${PROTOCOL_VERSION}, jace-runner ${runnerVersion}). Update jace-runner.`,
};

const closeHints: Record<number, string> = {
  [closeCodes.authFailed]: "the server rejected this runner's signature; if it keeps happening, enroll again",
  [closeCodes.replaced]: "this runner connected again on a new socket",
  [closeCodes.heartbeatTimeout]: "the server missed our heartbeats",
  [closeCodes.serverShutdown]: "the server is restarting",
};

/** https://host/prefix -> wss://host/prefix/api/runners/connect */
export function connectUrl(server: string): string {
  return `${server.replace(/^http/, "ws").replace(/\/+$/, "")}${CONNECT_PATH}`;
}

/** Capabilities compared without free VRAM, which moves all the time and is not worth a message. */
function capabilitiesKey(caps: Capabilities): string {
  return JSON.stringify({ ...caps, gpus: caps.gpus.map((g) => ({ ...g, vramFreeBytes: 0 })) });
}

type SessionEnd = { code: number; reason: string; error: Error | null; readyForMs: number | null };

export async function startRunner(config: RunnerConfig, deps: RunnerDeps): Promise<RunnerHandle> {
  const log = deps.log ?? silentLogger;
  const { drainTimeoutMs = 5 * 60_000, capabilitiesIntervalMs = 60_000, handshakeTimeoutMs = 15_000, maxPendingResults = 100 } = config;
  const stableAfterMs = config.backoff?.stableAfterMs ?? 30_000;
  const backoff = createBackoff(config.backoff);
  const url = connectUrl(config.server);

  const normalize = (caps: Capabilities) => capabilitiesSchema.safeParse({ ...caps, maxConcurrentJobs: config.maxConcurrentJobs });
  const first = normalize(await deps.capabilities());
  if (!first.success)
    throw new RunnerError(
      `Detected capabilities are invalid: ${first.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
    );
  let caps = first.data;
  let capsKey = capabilitiesKey(caps);

  let socket: WebSocket | null = null;
  let ready = false;
  let heartbeatSeq = 0;
  /** Tells the app that a new connection is this process again, not a second one (see the auth message). */
  const instanceId = randomUUID();
  let exit: RunnerExit | null = null;
  let wake: (() => void) | null = null;

  const send: Send = (message, onSent) => {
    if (!socket || !ready || socket.readyState !== WebSocket.OPEN) return false;
    socket.send(JSON.stringify(message), (error) => onSent?.(error ?? undefined));
    return true;
  };

  const pool = new JobPool({
    executor: deps.executor,
    maxJobs: config.maxConcurrentJobs,
    send,
    log,
    maxPendingResults,
    coalesceMs: config.chunkCoalesceMs,
  });

  function runSession(): Promise<SessionEnd> {
    return new Promise((resolve) => {
      log.debug("connecting", { url });
      const ws = new WebSocket(url, {
        maxPayload: MAX_MESSAGE_BYTES,
        handshakeTimeout: handshakeTimeoutMs,
        headers: { "user-agent": `jace-runner/${runnerVersion}` },
      });
      socket = ws;
      let phase: "challenge" | "auth" | "ready" = "challenge";
      let readyAt: number | null = null;
      let lastSeen = Date.now();
      let lastError: Error | null = null;
      const timers: NodeJS.Timeout[] = [];

      const protocolError = (why: string) => {
        log.warn("protocol error; reconnecting", { why });
        ws.close(closeCodes.protocolError, why.slice(0, 120));
      };
      const raw = (message: RunnerMessage) => ws.send(JSON.stringify(message));

      ws.on("open", () => {
        timers.push(
          setTimeout(() => {
            if (phase !== "ready") {
              log.warn("server did not complete the handshake in time");
              ws.terminate();
            }
          }, handshakeTimeoutMs),
        );
      });
      ws.on("ping", () => (lastSeen = Date.now()));
      ws.on("pong", () => (lastSeen = Date.now()));
      ws.on("error", (error) => (lastError = error));

      ws.on("message", (data, isBinary) => {
        lastSeen = Date.now();
        const message = isBinary ? null : parseMessage(serverMessage, data as Buffer);
        if (!message) return protocolError("invalid message");
        switch (message.type) {
          case "challenge": {
            if (phase !== "challenge") return protocolError("unexpected challenge");
            phase = "auth";
            const signature = sign(null, challengePayload(message.nonce, config.runnerId), config.privateKey).toString("base64");
            // What it still runs and the results it kept: the app keeps those jobs here instead of
            // re-queuing them, so finished work is used and nothing runs twice.
            raw({
              type: "auth",
              v: PROTOCOL_VERSION,
              runnerId: config.runnerId,
              signature,
              capabilities: caps,
              runningJobs: pool.runningIds().slice(0, 64),
              finishedJobs: pool.pendingJobIds().slice(0, 1000),
              draining: pool.draining,
              host: hostname().slice(0, 255),
              instanceId,
            });
            return;
          }
          case "welcome": {
            if (phase !== "auth") return protocolError("unexpected welcome");
            if (message.runnerId !== config.runnerId) return protocolError("welcome for another runner");
            phase = "ready";
            ready = true;
            readyAt = Date.now();
            log.info("connected", { workspace: message.workspace.slug, runnerId: message.runnerId });
            startLoops(ws, message.heartbeatIntervalMs, message.leaseTtlMs, timers, () => lastSeen);
            pool.flushResults();
            return;
          }
          case "job.offer":
            if (phase !== "ready") return protocolError("job offer before welcome");
            pool.handleOffer(message);
            return;
          case "job.cancel":
            if (!pool.cancel(message.jobId, "server", message.reason || "Cancelled by the server"))
              log.debug("cancel for a job not running here", { jobId: message.jobId });
            else log.info("job cancel requested", { jobId: message.jobId, reason: message.reason });
            return;
          case "heartbeat.ack":
            return;
          case "error":
            log.warn("server reported an error", { code: message.code, message: message.message, jobId: message.jobId });
            return;
        }
      });

      ws.on("close", (code, reason) => {
        for (const timer of timers) clearTimeout(timer);
        if (socket === ws) {
          socket = null;
          ready = false;
        }
        resolve({ code, reason: reason.toString("utf8"), error: lastError, readyForMs: readyAt === null ? null : Date.now() - readyAt });
      });
    });
  }

  /** The heartbeat loop, separate from the work: it runs whether or not jobs are. */
  function startLoops(ws: WebSocket, heartbeatIntervalMs: number, leaseTtlMs: number, timers: NodeJS.Timeout[], lastSeen: () => number) {
    // Without a frame (ack, ping or pong) for this long the TCP connection is presumed dead.
    const silentLimitMs = Math.max(3 * heartbeatIntervalMs, 10_000);
    timers.push(
      setInterval(() => {
        if (Date.now() - lastSeen() > silentLimitMs) {
          log.warn("server silent; reconnecting", { silentMs: Date.now() - lastSeen() });
          ws.terminate();
          return;
        }
        heartbeat();
        ws.ping();
      }, heartbeatIntervalMs),
      setInterval(
        () => {
          const jobIds = pool.runningIds();
          if (jobIds.length) send({ type: "lease.renew", jobIds });
        },
        Math.max(50, Math.floor(leaseTtlMs / 3)),
      ),
    );
  }

  function heartbeat() {
    send({ type: "heartbeat", seq: heartbeatSeq++, runningJobs: pool.runningIds(), ...(pool.draining ? { draining: true } : {}) });
  }

  function finish(value: RunnerExit) {
    if (exit) return;
    exit = value;
    clearInterval(capabilitiesTimer);
    wake?.();
    const ws = socket;
    if (!ws) return;
    if (ws.readyState === WebSocket.OPEN) {
      ws.close(1000, "runner stopped");
      // Do not wait the library's 30 s for a peer that never answers the close frame.
      setTimeout(() => ws.terminate(), 2_000).unref();
    } else ws.terminate();
  }

  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = null;
        resolve();
      }
      wake = done;
    });

  async function loop(): Promise<RunnerExit> {
    while (!exit) {
      const end = await runSession();
      if (exit) break;
      if (fatalCloseCodes.has(end.code)) {
        const message =
          end.code === closeCodes.alreadyConnected
            ? `The server refused this runner: ${end.reason || "another jace-runner is connected as this runner"}. Run only one jace-runner per enrollment: stop the other one, or enroll this machine as a runner of its own.`
            : (fatalMessages[end.code] ?? `The server closed the connection for good (${end.code} ${end.reason}).`);
        log.error("runner refused by the server", { closeCode: end.code, reason: end.reason || undefined });
        pool.cancelAll("shutdown", "The runner was refused by the server");
        await Promise.race([pool.idle(), new Promise((r) => setTimeout(r, 5_000).unref())]);
        finish({ reason: "fatal", closeCode: end.code, message });
        break;
      }
      if (end.readyForMs !== null && end.readyForMs >= stableAfterMs) backoff.reset();
      const delay = backoff.next();
      log.warn(end.readyForMs === null ? "could not connect" : "disconnected", {
        closeCode: end.code,
        reason: end.reason || undefined,
        hint: closeHints[end.code],
        error: end.error?.message,
        retryInMs: delay,
      });
      await pause(delay);
    }
    return exit!;
  }

  async function refreshCapabilities(): Promise<void> {
    try {
      const next = normalize(await deps.capabilities());
      if (!next.success) {
        log.warn("detected capabilities are invalid; keeping the previous ones", {
          issues: next.error.issues.map((i) => i.path.join(".")).join(","),
        });
        return;
      }
      const key = capabilitiesKey(next.data);
      caps = next.data;
      if (key === capsKey) return;
      capsKey = key;
      log.info("capabilities changed", { models: caps.models.length, gpus: caps.gpus.length });
      send({ type: "capabilities", capabilities: caps });
    } catch (error) {
      log.warn("capability detection failed", { error: (error as Error).message });
    }
  }

  const capabilitiesTimer = setInterval(() => void refreshCapabilities(), capabilitiesIntervalMs);
  const done = loop();

  let stopping: Promise<RunnerExit> | null = null;
  const stop = (options: { drainTimeoutMs?: number } = {}) => {
    stopping ??= (async () => {
      const timeoutMs = options.drainTimeoutMs ?? drainTimeoutMs;
      pool.drain();
      heartbeat(); // the dashboard shows it draining now, not at the next beat
      const running = pool.runningIds().length;
      if (running) log.info("draining", { runningJobs: running, timeoutMs });
      const drain = async () => {
        const timeout = new Promise<false>((r) => setTimeout(() => r(false), timeoutMs).unref());
        if (!(await Promise.race([pool.idle().then(() => true), timeout]))) {
          log.warn("drain timeout; stopping running jobs and giving them back", { runningJobs: pool.runningIds().length });
          pool.cancelAll("shutdown", "the runner stopped before the job finished");
          await pool.idle();
        }
        // Results of the drained jobs go out before the close (reconnecting briefly if needed).
        const deadline = Date.now() + 10_000;
        while (pool.pendingResultCount > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      };
      await Promise.race([drain(), done]);
      const undelivered = pool.pendingResultCount;
      if (undelivered) log.warn("results could not be delivered", { count: undelivered });
      finish({ reason: "stopped", undelivered });
      return done;
    })();
    return stopping;
  };
  deps.signal?.addEventListener("abort", () => void stop(), { once: true });
  if (deps.signal?.aborted) void stop();

  return {
    done,
    stop,
    cancelJobs: (message = "the runner stopped before the job finished") => pool.cancelAll("shutdown", message),
    refreshCapabilities,
    runningJobs: () => pool.runningIds(),
    get connected() {
      return ready;
    },
  };
}
