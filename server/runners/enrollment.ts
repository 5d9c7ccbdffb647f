import { createPublicKey } from "node:crypto";
import { CONNECT_PATH, type EnrollRequest, type EnrollResponse } from "@jace/gpu-runner/protocol";
import type { Db } from "../db";
import { hashToken, randomToken } from "../crypto";
import { AppError } from "../errors";
import { recordAudit, type UserActor } from "../features/audit/record";
import { assertCanAdd } from "../features/billing/quotas";

export const ENROLLMENT_TTL_MS = 60 * 60 * 1000;
const TOKEN_PREFIX = "jrt_";

/** A one-time enrollment token; only its hash is stored. */
export async function createEnrollmentToken(
  db: Db,
  workspaceId: string,
  actor: UserActor,
  ip: string | null,
  opts: { labels: string[]; ttlMs?: number },
): Promise<{ id: string; token: string; expiresAt: Date }> {
  const token = `${TOKEN_PREFIX}${randomToken(24)}`;
  const expiresAt = new Date(Date.now() + (opts.ttlMs ?? ENROLLMENT_TTL_MS));
  return db.$transaction(async (tx) => {
    await assertCanAdd(tx, workspaceId, "runners");
    const row = await tx.runnerEnrollmentToken.create({
      data: { workspaceId, tokenHash: hashToken(token), labels: opts.labels, createdById: actor.id, expiresAt },
    });
    await recordAudit(tx, workspaceId, actor, ip, {
      action: "runner.enrollment_token_created",
      targetType: "runner_enrollment_token",
      targetId: row.id,
      metadata: { expiresAt: expiresAt.toISOString(), labels: opts.labels },
    });
    return { id: row.id, token, expiresAt };
  });
}

function checkPublicKey(publicKey: string): void {
  try {
    const key = createPublicKey({ key: Buffer.from(publicKey, "base64"), format: "der", type: "spki" });
    if (key.asymmetricKeyType !== "ed25519") throw new Error("not ed25519");
  } catch {
    throw new AppError("BAD_REQUEST", "publicKey must be an Ed25519 public key (SPKI DER, base64).");
  }
}

/**
 * Exchanges a valid, unused, unexpired token for a runner identity bound to the given public key.
 * The token is consumed atomically: two concurrent enrollments with one token enroll one runner.
 */
export async function enrollRunner(db: Db, req: EnrollRequest, ip: string | null, appUrl: string): Promise<EnrollResponse> {
  checkPublicKey(req.publicKey);
  const row = await db.runnerEnrollmentToken.findUnique({ where: { tokenHash: hashToken(req.token) }, include: { workspace: true } });
  if (!row) throw new AppError("UNAUTHORIZED", "Unknown enrollment token. Create a new one under Runners -> Add runner.");
  if (row.usedAt)
    throw new AppError("UNAUTHORIZED", "This enrollment token was already used. Create a new one under Runners -> Add runner.");
  if (row.expiresAt < new Date())
    throw new AppError("UNAUTHORIZED", "This enrollment token has expired. Create a new one under Runners -> Add runner.");

  // Only an admin's labels (the token's, later the dashboard's) steer scheduling: a runner could
  // otherwise claim "gpu-prod" and receive jobs meant for other machines. What the runner asked
  // for stays visible in its capabilities (`capabilities.labels`), which scheduling ignores.
  const labels = [...row.labels];
  const runner = await db.$transaction(async (tx) => {
    // The plan may have changed (or other runners enrolled) since the token was made.
    await assertCanAdd(tx, row.workspaceId, "runners");
    const consumed = await tx.runnerEnrollmentToken.updateMany({
      where: { id: row.id, usedAt: null, expiresAt: { gt: new Date() } },
      data: { usedAt: new Date() },
    });
    if (consumed.count !== 1)
      throw new AppError("UNAUTHORIZED", "This enrollment token was already used. Create a new one under Runners -> Add runner.");
    const created = await tx.runner.create({
      data: { workspaceId: row.workspaceId, name: req.name, publicKey: req.publicKey, labels, capabilities: req.capabilities },
    });
    await tx.runnerEnrollmentToken.update({ where: { id: row.id }, data: { runnerId: created.id } });
    await recordAudit(tx, row.workspaceId, { type: "system", label: `runner ${req.name}` }, ip, {
      action: "runner.enrolled",
      targetType: "runner",
      targetId: created.id,
      metadata: {
        name: req.name,
        labels,
        requestedLabels: req.capabilities.labels,
        tokenId: row.id,
        gpus: req.capabilities.gpus.map((g) => g.name),
      },
    });
    return created;
  });
  const connectUrl = appUrl.replace(/^http/, "ws") + CONNECT_PATH;
  return { runnerId: runner.id, workspace: { slug: row.workspace.slug, name: row.workspace.name }, connectUrl };
}
