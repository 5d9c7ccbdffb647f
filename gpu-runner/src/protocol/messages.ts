import { z } from "zod";
import { capabilities } from "./capabilities";
import { jobOutput, jobSpec, usage } from "./jobs";

/**
 * The runner channel, version 1. One WebSocket per runner, opened by the runner. The server speaks
 * first with a challenge; the runner proves its identity by signing the nonce with its Ed25519
 * key; after `welcome` both sides exchange the messages below. Every message is JSON validated by
 * these schemas on receipt; anything else closes the socket with `closeCodes.protocolError`.
 */

export const PROTOCOL_VERSION = 1;
export const CONNECT_PATH = "/api/runners/connect";
export const ENROLL_PATH = "/api/runners/enroll";
/** Messages larger than this are refused (the socket closes with 1009). */
export const MAX_MESSAGE_BYTES = 1024 * 1024;

/** Close codes; the runner exits instead of reconnecting on the `fatal` ones. */
export const closeCodes = {
  protocolError: 4000,
  authFailed: 4001,
  authTimeout: 4002,
  revoked: 4003,
  unknownRunner: 4004,
  unsupportedVersion: 4005,
  replaced: 4006,
  heartbeatTimeout: 4007,
  /** Another live process is connected as this runner (the reason names its host); this one must stop. */
  alreadyConnected: 4008,
  serverShutdown: 1001,
} as const;

export const fatalCloseCodes: ReadonlySet<number> = new Set([
  closeCodes.revoked,
  closeCodes.unknownRunner,
  closeCodes.unsupportedVersion,
  closeCodes.alreadyConnected,
]);

/** The exact bytes a runner signs: binds the nonce to the runner id and protocol. */
export function challengePayload(nonce: string, runnerId: string): Buffer {
  return Buffer.from(`jace-runner-auth:v${PROTOCOL_VERSION}:${runnerId}:${nonce}`, "utf8");
}

const id = z.string().min(1).max(64);

// ---------- server -> runner ----------

export const challengeMessage = z.object({
  type: z.literal("challenge"),
  v: z.literal(PROTOCOL_VERSION),
  nonce: z.string().min(32).max(128),
});

export const welcomeMessage = z.object({
  type: z.literal("welcome"),
  runnerId: id,
  workspace: z.object({ slug: z.string(), name: z.string() }),
  heartbeatIntervalMs: z.number().int().positive(),
  leaseTtlMs: z.number().int().positive(),
});

export const jobOfferMessage = z.object({
  type: z.literal("job.offer"),
  jobId: id,
  attempt: z.number().int().positive(),
  spec: jobSpec,
  timeoutMs: z.number().int().positive(),
});

export const jobCancelMessage = z.object({ type: z.literal("job.cancel"), jobId: id, reason: z.string().max(500) });

export const heartbeatAckMessage = z.object({ type: z.literal("heartbeat.ack"), seq: z.number().int().nonnegative() });

/** A refusal that does not end the connection, e.g. a result for a job the runner does not hold. */
export const errorMessage = z.object({
  type: z.literal("error"),
  code: z.string().max(50),
  message: z.string().max(1000),
  jobId: id.optional(),
});

export const serverMessage = z.discriminatedUnion("type", [
  challengeMessage,
  welcomeMessage,
  jobOfferMessage,
  jobCancelMessage,
  heartbeatAckMessage,
  errorMessage,
]);

// ---------- runner -> server ----------

export const authMessage = z.object({
  type: z.literal("auth"),
  v: z.number().int().positive(),
  runnerId: id,
  /** base64 Ed25519 signature of challengePayload(nonce, runnerId). */
  signature: z.string().min(1).max(200),
  capabilities,
  /**
   * What the runner holds from before this connection, so the app neither re-queues nor re-offers
   * it: jobs still running, and jobs whose results it kept while it could not reach the app (sent
   * right after `welcome`). Optional: an older runner sends neither.
   */
  runningJobs: z.array(id).max(64).optional(),
  finishedJobs: z.array(id).max(1000).optional(),
  /** It is stopping: no offers, and the dashboard shows it as draining. */
  draining: z.boolean().optional(),
  /** The machine's host name, shown to a second process that tries to connect as this runner. */
  host: z.string().max(255).optional(),
  /**
   * Random per runner process: a new connection with the same id is that process reconnecting
   * (its old socket is dead), one with another id is a second process.
   */
  instanceId: z.string().max(64).optional(),
});

export const heartbeatMessage = z.object({
  type: z.literal("heartbeat"),
  seq: z.number().int().nonnegative(),
  runningJobs: z.array(id).max(64),
  /** It is stopping (see auth). */
  draining: z.boolean().optional(),
});

export const capabilitiesMessage = z.object({ type: z.literal("capabilities"), capabilities });

export const jobAcceptMessage = z.object({ type: z.literal("job.accept"), jobId: id });

/**
 * `code` says what the decline is about: `at_capacity` is this moment (the job may come back once a
 * slot frees), `draining` is this connection (the runner is stopping). Without a code the app takes
 * it as `draining`. A runner that stops before an accepted job finishes gives the job back the same
 * way (`draining`): it goes back to the queue instead of failing or being cancelled.
 */
export const jobRejectMessage = z.object({
  type: z.literal("job.reject"),
  jobId: id,
  reason: z.string().max(1000),
  code: z.enum(["at_capacity", "draining"]).optional(),
});

export const jobChunkMessage = z.object({
  type: z.literal("job.chunk"),
  jobId: id,
  seq: z.number().int().nonnegative(),
  stream: z.enum(["token", "stdout", "stderr", "log"]),
  data: z.string().max(256 * 1024),
});

export const jobProgressMessage = z.object({
  type: z.literal("job.progress"),
  jobId: id,
  phase: z.enum(["loading_model", "cloning", "running", "collecting", "generating"]),
  /** 0..1 when known. */
  fraction: z.number().min(0).max(1).nullable(),
  message: z.string().max(500).optional(),
});

export const jobResultMessage = z.object({
  type: z.literal("job.result"),
  jobId: id,
  status: z.enum(["succeeded", "failed", "cancelled"]),
  output: jobOutput.nullable(),
  error: z.string().max(4000).nullable(),
  usage,
});

export const leaseRenewMessage = z.object({ type: z.literal("lease.renew"), jobIds: z.array(id).min(1).max(64) });

export const runnerMessage = z.discriminatedUnion("type", [
  authMessage,
  heartbeatMessage,
  capabilitiesMessage,
  jobAcceptMessage,
  jobRejectMessage,
  jobChunkMessage,
  jobProgressMessage,
  jobResultMessage,
  leaseRenewMessage,
]);

// ---------- enrollment (HTTP) ----------

export const enrollRequest = z.object({
  token: z.string().min(10).max(200),
  name: z.string().trim().min(1).max(80),
  /** Ed25519 public key, SPKI DER, base64. */
  publicKey: z.string().min(40).max(200),
  capabilities,
});

export const enrollResponse = z.object({
  runnerId: id,
  workspace: z.object({ slug: z.string(), name: z.string() }),
  connectUrl: z.string(),
});

export type ServerMessage = z.infer<typeof serverMessage>;
export type RunnerMessage = z.infer<typeof runnerMessage>;
export type JobOfferMessage = z.infer<typeof jobOfferMessage>;
export type JobResultMessage = z.infer<typeof jobResultMessage>;
export type EnrollRequest = z.infer<typeof enrollRequest>;
export type EnrollResponse = z.infer<typeof enrollResponse>;

/** Parses one frame; returns null for anything that is not a valid message (the caller closes). */
export function parseMessage<T extends z.ZodType>(schema: T, raw: string | Buffer): z.infer<T> | null {
  let json: unknown;
  try {
    json = JSON.parse(typeof raw === "string" ? raw : raw.toString("utf8"));
  } catch {
    return null;
  }
  const parsed = schema.safeParse(json);
  return parsed.success ? parsed.data : null;
}
