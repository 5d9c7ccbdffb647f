import { createPublicKey, randomUUID, verify, type KeyObject } from "node:crypto";
import { challengePayload, type RunnerMessage } from "@jace/gpu-runner/protocol";
import type { WebSocket } from "ws";
import type { Db } from "../db";
import type { Prisma } from "../generated/prisma/client";
import { requeueRunnerJobs, resumeRunnerJobs } from "./scheduler";
import { onControl, publishControl } from "./bus";
import type { RunnerSlots } from "./slots";

/**
 * A runner authenticating, and what happens to its jobs and presence when it connects again: after
 * a network drop, an app restart, or as a second process with the same enrollment.
 */

/** Checks a runner's signature of this connection's nonce; returns why it fails, or null. */
export function verifyAuth(runner: { id: string; publicKey: string }, nonce: string, signature: string): string | null {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(runner.publicKey, "base64"), format: "der", type: "spki" });
  } catch {
    return "stored key unreadable";
  }
  // The signature covers this connection's fresh nonce, so a captured auth message is useless elsewhere.
  return verify(null, challengePayload(nonce, runner.id), key, Buffer.from(signature, "base64")) ? null : "signature does not match";
}

/**
 * Whether a new connection of a runner may take the place of `previous`: yes when it comes from the
 * same process (a new socket after a network drop) or when `previous` does not answer a ping in
 * time (a half-dead socket), no when a second live process tries to connect as the same runner.
 */
export async function mayReplace(
  previous: { ws: WebSocket; instanceId: string | null },
  instanceId: string | undefined,
  pingTimeoutMs: number,
) {
  if (instanceId && instanceId === previous.instanceId) return true;
  return !(await answersPing(previous.ws, pingTimeoutMs));
}

type Connection = { ws: WebSocket; instanceId: string | null; host: string | null; ip: string | null };

/** Where a connection comes from, as told to a second process: its host name and address. */
const describe = (c: Connection) => [c.host, c.ip].filter(Boolean).join(" at ") || "another machine";

/**
 * Where a live connection of this runner is held that the new one may not replace (see
 * mayReplace), on this instance (`local`) or, when the runner is marked connected but not here,
 * on another one; null when the new connection may go ahead.
 */
export async function connectedElsewhere(
  runner: { id: string; status: string },
  local: Connection | undefined,
  instanceId: string | undefined,
  pingTimeoutMs: number,
): Promise<string | null> {
  if (local) return (await mayReplace(local, instanceId, pingTimeoutMs)) ? null : describe(local);
  if (runner.status === "offline") return null;
  return (await probeElsewhere(runner.id, instanceId, pingTimeoutMs + 1000))?.where ?? null;
}

/**
 * Another instance asks about a runner connected here (see probeElsewhere): a connection that may
 * be replaced is dropped here (`drop`, then closed) and the answer says so.
 */
export async function answerProbe(
  conn: Connection,
  probe: { probeId: string; instanceId: string | null },
  pingTimeoutMs: number,
  drop: () => void,
): Promise<void> {
  const replace = await mayReplace(conn, probe.instanceId ?? undefined, pingTimeoutMs);
  if (replace) {
    // It goes on through the other instance, which settles its jobs: this socket must not.
    drop();
    conn.ws.terminate();
  }
  await publishControl({ type: "probe.reply", probeId: probe.probeId, alive: !replace, where: describe(conn) });
}

/**
 * Asks the other app instances whether one holds a live connection of this runner (one that does
 * answers after pinging it, and drops it when it may be replaced). Null when none answers in time.
 */
function probeElsewhere(runnerId: string, instanceId: string | undefined, timeoutMs: number): Promise<{ where: string } | null> {
  const probeId = randomUUID();
  return new Promise((resolve) => {
    const done = (reply: { where: string } | null) => {
      clearTimeout(timer);
      off();
      resolve(reply);
    };
    const off = onControl((e) => {
      if (e.type === "probe.reply" && e.probeId === probeId) done(e.alive ? { where: e.where } : null);
    });
    const timer = setTimeout(() => done(null), timeoutMs);
    publishControl({ type: "probe", runnerId, probeId, instanceId: instanceId ?? null }).catch(() => done(null));
  });
}

/** Whether the peer answers a ping in time (a half-dead socket does not). */
function answersPing(ws: WebSocket, timeoutMs: number): Promise<boolean> {
  if (ws.readyState !== ws.OPEN) return Promise.resolve(false);
  return new Promise<boolean>((resolve) => {
    const done = (alive: boolean) => {
      clearTimeout(timer);
      ws.off("pong", onPong);
      ws.off("close", onClose);
      resolve(alive);
    };
    const onPong = () => done(true);
    const onClose = () => done(false);
    const timer = setTimeout(() => done(false), timeoutMs);
    ws.on("pong", onPong);
    ws.on("close", onClose);
    ws.ping();
  });
}

/**
 * Settles the jobs of a runner that just authenticated, before any offer: it keeps the jobs it
 * reports running or finished (see resumeRunnerJobs); the others it held go back to the queue. An
 * older runner reports nothing: its jobs are re-queued unless it only replaced a live socket on
 * this instance (same process, new socket). Its declines end unless it is still stopping. Then it
 * is marked connected; returns the connectedAt written.
 */
export async function settleReconnect(
  db: Db,
  runner: { id: string; name: string },
  msg: Extract<RunnerMessage, { type: "auth" }>,
  opts: { slots: RunnerSlots; replacedLocal: boolean; leaseTtlMs: number },
): Promise<Date> {
  const reason = `runner ${runner.name} reconnected without them`;
  if (msg.runningJobs || msg.finishedJobs) {
    const reported = [...(msg.runningJobs ?? []), ...(msg.finishedJobs ?? [])];
    const held = await resumeRunnerJobs(db, runner.id, reported, opts.leaseTtlMs);
    opts.slots.hold(held, msg.runningJobs ?? []);
    await requeueRunnerJobs(db, runner.id, reason, held);
  } else if (!opts.replacedLocal) {
    await requeueRunnerJobs(db, runner.id, reason);
  }
  if (msg.draining) opts.slots.drain();
  else if (!opts.replacedLocal) {
    // What it declined while stopping, it may take now (a runner that drained for an update is back).
    await db.$executeRaw`
      UPDATE "RunnerJob" SET "declinedRunnerIds" = array_remove("declinedRunnerIds", ${runner.id})
      WHERE status = 'queued' AND ${runner.id} = ANY("declinedRunnerIds")`;
  }
  const connectedAt = new Date();
  await db.runner.update({
    where: { id: runner.id },
    data: {
      status: opts.slots.presence(),
      connectedAt,
      lastSeenAt: connectedAt,
      capabilities: msg.capabilities as unknown as Prisma.InputJsonValue,
    },
  });
  return connectedAt;
}

/** Runs the work given for one key one piece after another (different keys do not wait). */
export function serialPerKey(): (key: string, work: () => Promise<void>) => Promise<void> {
  const chains = new Map<string, Promise<void>>();
  return (key, work) => {
    const run = (chains.get(key) ?? Promise.resolve()).then(work);
    const settled = run.catch(() => {});
    chains.set(key, settled);
    void settled.then(() => {
      if (chains.get(key) === settled) chains.delete(key);
    });
    return run;
  };
}
