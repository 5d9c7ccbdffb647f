import { randomBytes } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import {
  capabilities as capabilitiesSchema,
  closeCodes,
  MAX_MESSAGE_BYTES,
  parseMessage,
  PROTOCOL_VERSION,
  runnerMessage,
  type Capabilities,
  type RunnerMessage,
  type ServerMessage,
} from "@jace/gpu-runner/protocol";
import { WebSocketServer, type WebSocket } from "ws";
import type { Db } from "../db";
import type { Prisma } from "../generated/prisma/client";
import type { Logger } from "../logger";
import { onControl, publishJobEvent, startBus } from "./bus";
import type { Candidate } from "./matching";
import { answerProbe, connectedElsewhere, serialPerKey, settleReconnect, verifyAuth } from "./handover";
import { assignJobs, releaseJob, requeueRunnerJobs, sweep, type Offer } from "./scheduler";
import { RunnerSlots } from "./slots";

/**
 * The app side of the runner channel: authenticates runners (Ed25519 challenge-response), tracks
 * presence, offers jobs, relays their streams and records their results. One per app process;
 * several processes coordinate through Postgres (see scheduler.ts and bus.ts).
 */

/** pingTimeoutMs: how long a connected runner has to answer a ping before a second process may take its place. */
export type GatewayOptions = Record<"heartbeatIntervalMs" | "leaseTtlMs" | "authTimeoutMs" | "sweepIntervalMs" | "pingTimeoutMs", number>;

const defaults: GatewayOptions = {
  heartbeatIntervalMs: 10_000,
  leaseTtlMs: 30_000,
  authTimeoutMs: 10_000,
  sweepIntervalMs: 1_000,
  pingTimeoutMs: 5_000,
};

type Conn = {
  ws: WebSocket;
  nonce: string;
  ip: string | null;
  runnerId: string | null;
  workspaceId: string | null;
  name: string;
  /** What the runner says of itself: its machine's name and its process (see the auth message). */
  host: string | null;
  instanceId: string | null;
  capabilities: Capabilities | null;
  /** Labels as set in the dashboard (authoritative for scheduling). */
  labels: string[];
  slots: RunnerSlots;
  lastMessageAt: number;
  /** When it authenticated, as written to Runner.connectedAt: a later value there is a newer connection. */
  connectedAt: Date;
  /** Messages of one connection are handled in order, and its close after them. */
  queue: Promise<void>;
  log: Logger;
};

export class RunnerGateway {
  private readonly wss: WebSocketServer;
  private readonly conns = new Map<string, Conn>();
  private readonly opts: GatewayOptions;
  private timers: NodeJS.Timeout[] = [];
  private unsubscribe: (() => void) | null = null;
  private scheduling: Promise<void> | null = null;
  private scheduleAgain = false;
  private stopped = false;
  /** Runners heard from since the last presence flush; written in one UPDATE, not one per heartbeat. */
  private readonly seen = new Set<string>();
  private lastPresenceFlush = 0;
  /**
   * Per runner, the settling of its jobs and presence on connect and on close, one after another:
   * a quick reconnect must not have its kept jobs re-queued (or be marked offline) by the close of
   * the socket it replaces, still being handled.
   */
  private readonly serially = serialPerKey();

  constructor(
    private readonly db: Db,
    private readonly log: Logger,
    opts: Partial<GatewayOptions> = {},
  ) {
    this.opts = { ...defaults, ...opts };
    this.wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
    this.wss.on("connection", (ws, req: IncomingMessage) => this.onConnection(ws, req));
  }

  async start(): Promise<void> {
    await startBus();
    this.unsubscribe = onControl((e) => {
      if (e.type === "jobs") this.schedule();
      else if (e.type === "revoke") this.conns.get(e.runnerId)?.ws.close(closeCodes.revoked, "runner revoked");
      else if (e.type === "relabel") {
        const conn = this.conns.get(e.runnerId);
        if (conn) {
          conn.labels = e.labels;
          this.schedule();
        }
      } else if (e.type === "probe") {
        const conn = this.conns.get(e.runnerId);
        if (conn)
          void answerProbe(conn, e, this.opts.pingTimeoutMs, () => this.drop(conn)).catch((err: unknown) =>
            this.log.warn({ err }, "runner probe failed"),
          );
      } else if (e.type === "cancel") {
        const conn = this.conns.get(e.runnerId);
        if (conn?.slots.jobs.has(e.jobId)) this.send(conn, { type: "job.cancel", jobId: e.jobId, reason: e.reason });
      }
    });
    this.timers.push(setInterval(() => void this.tick(), this.opts.sweepIntervalMs));
  }

  /** Upgrade handler for the runner WebSocket path. */
  readonly handleUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    if (this.stopped) {
      socket.destroy();
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.wss.emit("connection", ws, req));
  };

  get connectedCount(): number {
    return this.conns.size;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.unsubscribe?.();
    for (const ws of this.wss.clients) ws.close(closeCodes.serverShutdown, "server shutting down");
    await new Promise<void>((r) => this.wss.close(() => r()));
    await this.scheduling;
  }

  // ---------- connection lifecycle ----------

  private onConnection(ws: WebSocket, req: IncomingMessage): void {
    const ip = (req.headers["x-forwarded-for"] as string | undefined)?.split(",")[0]?.trim() ?? req.socket.remoteAddress ?? null;
    const conn: Conn = {
      ws,
      nonce: randomBytes(32).toString("base64url"),
      ip,
      runnerId: null,
      workspaceId: null,
      name: "",
      host: null,
      instanceId: null,
      capabilities: null,
      labels: [],
      slots: new RunnerSlots(),
      lastMessageAt: Date.now(),
      connectedAt: new Date(0),
      queue: Promise.resolve(),
      log: this.log.child({ component: "runner-gateway", ip }),
    };
    const authTimer = setTimeout(() => {
      if (!conn.runnerId) this.refuse(conn, closeCodes.authTimeout, "no authentication within the time limit");
    }, this.opts.authTimeoutMs);
    // Handled in order per connection: a result must not overtake its accept, and the close
    // (which marks the runner offline) must come after everything the runner sent before it.
    const enqueue = (work: () => Promise<void>, what: string) => {
      conn.queue = conn.queue.then(work).catch((err: unknown) => conn.log.error({ err }, what));
    };
    ws.on("message", (raw: Buffer) => enqueue(() => this.onMessage(conn, raw), "runner message failed"));
    ws.on("close", (code) => {
      clearTimeout(authTimer);
      enqueue(() => this.onClose(conn, code), "runner close handling failed");
    });
    ws.on("error", (err) => conn.log.warn({ err: err.message }, "runner socket error"));
    this.send(conn, { type: "challenge", v: PROTOCOL_VERSION, nonce: conn.nonce });
  }

  private refuse(conn: Conn, code: number, reason: string): void {
    conn.log.warn({ code, reason, runnerId: conn.runnerId }, "runner refused");
    conn.ws.close(code, reason.slice(0, 120));
  }

  private send(conn: Conn, message: ServerMessage): void {
    if (conn.ws.readyState === conn.ws.OPEN) conn.ws.send(JSON.stringify(message));
  }

  private async onMessage(conn: Conn, raw: Buffer): Promise<void> {
    conn.lastMessageAt = Date.now();
    const msg = parseMessage(runnerMessage, raw);
    if (!msg) return this.refuse(conn, closeCodes.protocolError, "malformed or unknown message");
    if (!conn.runnerId) {
      if (msg.type !== "auth") return this.refuse(conn, closeCodes.protocolError, "authenticate first");
      return this.authenticate(conn, msg);
    }
    if (msg.type === "auth") return this.refuse(conn, closeCodes.protocolError, "already authenticated");
    await this.handle(conn, msg);
  }

  private async authenticate(conn: Conn, msg: Extract<RunnerMessage, { type: "auth" }>): Promise<void> {
    if (msg.v !== PROTOCOL_VERSION)
      return this.refuse(
        conn,
        closeCodes.unsupportedVersion,
        `protocol v${msg.v} is not supported; this server speaks v${PROTOCOL_VERSION}`,
      );
    // A close of this runner's previous socket still being settled here would leave its row
    // marked connected, and the new connection would wait for other instances to deny holding it.
    await this.serially(msg.runnerId, async () => {});
    const runner = await this.db.runner.findUnique({
      where: { id: msg.runnerId },
      include: { workspace: { select: { slug: true, name: true } } },
    });
    if (!runner) return this.refuse(conn, closeCodes.unknownRunner, "unknown runner: enroll it again");
    if (runner.revokedAt) return this.refuse(conn, closeCodes.revoked, "this runner was revoked");
    const refusal = verifyAuth(runner, conn.nonce, msg.signature);
    if (refusal) return this.refuse(conn, closeCodes.authFailed, refusal);
    if (conn.ws.readyState !== conn.ws.OPEN) return;

    const heldFrom = await connectedElsewhere(runner, this.conns.get(runner.id), msg.instanceId, this.opts.pingTimeoutMs);
    if (heldFrom)
      return this.refuse(
        conn,
        closeCodes.alreadyConnected,
        `another jace-runner is connected as this runner from ${heldFrom.slice(0, 60)}`,
      );
    if (conn.ws.readyState !== conn.ws.OPEN) return;
    // The one it replaces may have closed while it was pinged (its close handler then re-queued).
    const current = this.conns.get(runner.id);
    if (current) {
      // The newer connection wins; the old one's jobs stay with the runner (same process, new socket).
      conn.slots.takeOver(current.slots);
      this.drop(current);
      this.refuse(current, closeCodes.replaced, "replaced by a newer connection");
    }
    // Until it is in `conns` below no job is offered to it: what it holds is settled first.
    await this.serially(runner.id, async () => {
      const opts = { slots: conn.slots, replacedLocal: Boolean(current), leaseTtlMs: this.opts.leaseTtlMs };
      conn.connectedAt = await settleReconnect(this.db, runner, msg, opts);
    });
    conn.runnerId = runner.id;
    conn.workspaceId = runner.workspaceId;
    conn.name = runner.name;
    conn.host = msg.host ?? null;
    conn.instanceId = msg.instanceId ?? null;
    conn.capabilities = msg.capabilities;
    conn.labels = runner.labels;
    conn.log = conn.log.child({ runnerId: runner.id, workspaceId: runner.workspaceId });
    this.conns.set(runner.id, conn);
    this.send(conn, {
      type: "welcome",
      runnerId: runner.id,
      workspace: runner.workspace,
      heartbeatIntervalMs: this.opts.heartbeatIntervalMs,
      leaseTtlMs: this.opts.leaseTtlMs,
    });
    // Jobs it still runs that the app gave to another runner (or ended) meanwhile: it must stop them.
    for (const jobId of msg.runningJobs ?? [])
      if (!conn.slots.jobs.has(jobId))
        this.send(conn, { type: "job.cancel", jobId, reason: "the job was handed to another runner or ended" });
    conn.log.info({ name: runner.name, host: conn.host, held: conn.slots.jobs.size }, "runner connected");
    this.schedule();
  }

  private async handle(conn: Conn, msg: Exclude<RunnerMessage, { type: "auth" }>): Promise<void> {
    const runnerId = conn.runnerId!;
    switch (msg.type) {
      case "heartbeat": {
        this.send(conn, { type: "heartbeat.ack", seq: msg.seq });
        this.seen.add(runnerId);
        if (conn.slots.heartbeat(msg.runningJobs)) this.schedule();
        if (msg.draining && conn.slots.drain()) await this.markBusy(conn);
        return;
      }
      case "capabilities": {
        const parsed = capabilitiesSchema.parse(msg.capabilities);
        conn.capabilities = parsed;
        await this.db.runner.update({
          where: { id: runnerId },
          data: { capabilities: parsed as unknown as Prisma.InputJsonValue, lastSeenAt: new Date() },
        });
        this.schedule();
        return;
      }
      case "job.accept": {
        const r = await this.db.runnerJob.updateMany({
          where: { id: msg.jobId, runnerId, status: "offered" },
          data: { status: "running", startedAt: new Date(), leaseExpiresAt: new Date(Date.now() + this.opts.leaseTtlMs) },
        });
        if (r.count !== 1) return this.notHeld(conn, msg.jobId);
        publishJobEvent({ type: "state", jobId: msg.jobId, status: "running" });
        await this.markBusy(conn);
        return;
      }
      case "job.reject": {
        // A declined offer is not an attempt, and neither is a job given back by a runner that is
        // stopping. Declined for lack of a slot, the job may come back to this runner once it has
        // one; declined because it is stopping, not on this connection. (An older runner sends no
        // code: the job is declined, and offers pause until it reports.)
        const wasDraining = conn.slots.draining;
        conn.slots.declined(msg.jobId, msg.code);
        const decline = { reason: msg.reason, forGood: msg.code !== "at_capacity" };
        const status = await releaseJob(this.db, { jobId: msg.jobId, runnerId, runnerName: conn.name }, decline);
        if (status || conn.slots.draining !== wasDraining) await this.markBusy(conn);
        if (!status) return this.notHeld(conn, msg.jobId);
        publishJobEvent({ type: "state", jobId: msg.jobId, status });
        this.schedule();
        return;
      }
      case "job.chunk":
        if (!conn.slots.jobs.has(msg.jobId)) return this.notHeld(conn, msg.jobId);
        publishJobEvent({ type: "chunk", jobId: msg.jobId, seq: msg.seq, stream: msg.stream, data: msg.data });
        return;
      case "job.progress":
        if (!conn.slots.jobs.has(msg.jobId)) return this.notHeld(conn, msg.jobId);
        publishJobEvent({ type: "progress", jobId: msg.jobId, phase: msg.phase, fraction: msg.fraction, message: msg.message });
        return;
      case "lease.renew": {
        const renewed = await this.db.$queryRaw<{ id: string }[]>`
          UPDATE "RunnerJob" SET "leaseExpiresAt" = now() + (${this.opts.leaseTtlMs} * interval '1 millisecond')
          WHERE id = ANY(${msg.jobIds}::text[]) AND "runnerId" = ${runnerId} AND status IN ('offered', 'running')
          RETURNING id`;
        const ok = new Set(renewed.map((r) => r.id));
        for (const jobId of msg.jobIds) {
          if (ok.has(jobId)) continue;
          // The lease was lost (job re-queued elsewhere or finished): the runner must stop it.
          conn.slots.jobs.delete(jobId);
          this.send(conn, { type: "job.cancel", jobId, reason: "lease lost: the job was handed to another runner or ended" });
        }
        return;
      }
      case "job.result": {
        const r = await this.db.runnerJob.updateMany({
          where: { id: msg.jobId, runnerId, status: { in: ["offered", "running"] } },
          data: {
            status: msg.status,
            output: (msg.output ?? undefined) as Prisma.InputJsonValue | undefined,
            error: msg.error,
            usage: msg.usage as unknown as Prisma.InputJsonValue,
            finishedAt: new Date(),
            leaseExpiresAt: null,
          },
        });
        conn.slots.finished(msg.jobId);
        if (r.count !== 1) return this.notHeld(conn, msg.jobId);
        publishJobEvent({ type: "state", jobId: msg.jobId, status: msg.status });
        conn.log.info({ jobId: msg.jobId, status: msg.status }, "runner job finished");
        await this.markBusy(conn);
        this.schedule();
        return;
      }
    }
  }

  /** Forgets a connection replaced by a newer one, so its close neither marks offline nor re-queues. */
  private drop(conn: Conn): void {
    if (conn.runnerId && this.conns.get(conn.runnerId) === conn) this.conns.delete(conn.runnerId);
    conn.runnerId = null;
  }

  private notHeld(conn: Conn, jobId: string): void {
    conn.log.warn({ jobId }, "runner referred to a job it does not hold");
    this.send(conn, {
      type: "error",
      code: "job_not_held",
      message: "This runner does not hold that job (it may have been re-queued, cancelled or never offered).",
      jobId,
    });
  }

  private async markBusy(conn: Conn): Promise<void> {
    if (!conn.runnerId || this.conns.get(conn.runnerId) !== conn) return; // closed meanwhile: stays offline
    await this.db.runner.update({ where: { id: conn.runnerId! }, data: { status: conn.slots.presence(), lastSeenAt: new Date() } });
  }

  private async onClose(conn: Conn, code: number): Promise<void> {
    const runnerId = conn.runnerId;
    if (!runnerId || this.conns.get(runnerId) !== conn) return;
    this.conns.delete(runnerId);
    conn.log.info({ code }, "runner disconnected");
    await this.serially(runnerId, async () => {
      // Unless the runner connected again meanwhile, on this instance or another: then the new
      // connection has settled its jobs and presence, and this late close must not undo that.
      const { count } = await this.db.runner.updateMany({
        where: { id: runnerId, connectedAt: conn.connectedAt },
        data: { status: "offline", lastSeenAt: new Date() },
      });
      if (count === 1) await requeueRunnerJobs(this.db, runnerId, `runner ${conn.name} disconnected`);
    });
    this.schedule();
  }

  // ---------- scheduling ----------

  private candidates(workspaceId: string): Candidate[] {
    const list: Candidate[] = [];
    for (const c of this.conns.values()) {
      if (c.workspaceId !== workspaceId || !c.capabilities || c.ws.readyState !== c.ws.OPEN) continue;
      // Labels come from the dashboard (enrollment token + edits), not from what the runner claims.
      const capabilities = { ...c.capabilities, labels: c.labels };
      const freeSlots = c.slots.free(c.capabilities.maxConcurrentJobs);
      list.push({ runnerId: c.runnerId!, capabilities, freeSlots, excluded: false, declined: false });
    }
    return list;
  }

  /** Coalesced: at most one assignment pass runs at a time, and one more follows if asked meanwhile. */
  schedule(): void {
    if (this.stopped) return;
    if (this.scheduling) {
      this.scheduleAgain = true;
      return;
    }
    this.scheduling = (async () => {
      do {
        this.scheduleAgain = false;
        const workspaceIds = [...new Set([...this.conns.values()].map((c) => c.workspaceId).filter((w): w is string => Boolean(w)))];
        let offers: Offer[] = [];
        try {
          offers = await assignJobs(this.db, workspaceIds, (w) => this.candidates(w), this.opts.leaseTtlMs);
        } catch (err) {
          this.log.error({ err }, "runner job assignment failed");
        }
        for (const offer of offers) this.offer(offer);
      } while (this.scheduleAgain && !this.stopped);
    })().finally(() => {
      this.scheduling = null;
    });
  }

  private offer(offer: Offer): void {
    const conn = this.conns.get(offer.runnerId);
    if (!conn) return; // disconnected meanwhile: its close handler re-queues the job
    conn.slots.jobs.add(offer.jobId);
    publishJobEvent({ type: "state", jobId: offer.jobId, status: "offered" });
    this.send(conn, { type: "job.offer", jobId: offer.jobId, attempt: offer.attempt, spec: offer.spec, timeoutMs: offer.timeoutMs });
  }

  private async flushPresence(): Promise<void> {
    if (this.seen.size === 0) return;
    const ids = [...this.seen];
    this.seen.clear();
    await this.db.$executeRaw`UPDATE "Runner" SET "lastSeenAt" = now() WHERE id = ANY(${ids}::text[]) AND "revokedAt" IS NULL`;
  }

  private async tick(): Promise<void> {
    const now = Date.now();
    if (now - this.lastPresenceFlush >= 15_000) {
      this.lastPresenceFlush = now;
      await this.flushPresence().catch((err: unknown) => this.log.warn({ err }, "presence flush failed"));
    }
    for (const c of this.conns.values()) {
      if (now - c.lastMessageAt > this.opts.heartbeatIntervalMs * 3) this.refuse(c, closeCodes.heartbeatTimeout, "no heartbeat");
    }
    try {
      const result = await sweep(this.db, this.log);
      for (const r of [...result.timedOut, ...result.forcedCancel]) {
        const conn = r.runnerId ? this.conns.get(r.runnerId) : undefined;
        if (conn?.slots.jobs.delete(r.id))
          this.send(conn, { type: "job.cancel", jobId: r.id, reason: r.status === "failed" ? "timed out" : "cancelled" });
      }
      for (const r of result.requeued) for (const c of this.conns.values()) c.slots.jobs.delete(r.id);
      if (result.requeued.length > 0) this.schedule();
    } catch (err) {
      if (!this.stopped) this.log.error({ err }, "runner sweep failed");
    }
    this.schedule();
  }
}
