import { z } from "zod";
import { hashToken, randomToken } from "@/server/crypto";
import type { Db } from "@/server/db";
import { AppError } from "@/server/errors";
import { recordAudit, type Actor } from "../audit/record";

/** Keys look like `jace_<43 chars>`; the first 12 characters are kept in clear as the visible prefix. */
const KEY_PREFIX = "jace_";
const VISIBLE = 12;

export const apiKeyName = z
  .string()
  .trim()
  .min(1, "Name the key after what will use it.")
  .max(64, "Keep the name to 64 characters or fewer.");

export const apiKeyOutput = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  createdAt: z.date(),
  lastUsedAt: z.date().nullable(),
  revokedAt: z.date().nullable(),
});

export async function listApiKeys(db: Db, workspaceId: string) {
  return db.apiKey.findMany({
    where: { workspaceId },
    select: { id: true, name: true, prefix: true, createdAt: true, lastUsedAt: true, revokedAt: true },
    orderBy: [{ revokedAt: { sort: "asc", nulls: "first" } }, { createdAt: "desc" }],
  });
}

/** Returns the secret exactly once; only its hash is stored. */
export async function createApiKey(db: Db, workspaceId: string, actor: Actor, ip: string | null, name: string) {
  const secret = `${KEY_PREFIX}${randomToken(32)}`;
  return db.$transaction(async (tx) => {
    const key = await tx.apiKey.create({
      data: {
        workspaceId,
        name,
        prefix: secret.slice(0, VISIBLE),
        keyHash: hashToken(secret),
        createdById: actor.type === "user" ? actor.id : null,
      },
      select: { id: true, name: true, prefix: true, createdAt: true, lastUsedAt: true, revokedAt: true },
    });
    await recordAudit(tx, workspaceId, actor, ip, {
      action: "api_key.created",
      targetType: "api_key",
      targetId: key.id,
      metadata: { name, prefix: key.prefix },
    });
    return { key, secret };
  });
}

export async function revokeApiKey(db: Db, workspaceId: string, actor: Actor, ip: string | null, apiKeyId: string): Promise<void> {
  await db.$transaction(async (tx) => {
    const key = await tx.apiKey.findFirst({ where: { id: apiKeyId, workspaceId } });
    if (!key) throw new AppError("NOT_FOUND", "API key not found in this workspace.");
    if (key.revokedAt) return;
    await tx.apiKey.update({ where: { id: key.id }, data: { revokedAt: new Date() } });
    await recordAudit(tx, workspaceId, actor, ip, {
      action: "api_key.revoked",
      targetType: "api_key",
      targetId: key.id,
      metadata: { name: key.name, prefix: key.prefix },
    });
  });
}

export type ApiKeyPrincipal = { apiKeyId: string; name: string; workspace: { id: string; slug: string; name: string; plan: string } };

/** Resolves an `Authorization: Bearer jace_...` header to its workspace, or throws UNAUTHORIZED. */
export async function authenticateApiKey(db: Db, authorization: string | null): Promise<ApiKeyPrincipal> {
  const match = authorization?.match(/^Bearer\s+(\S+)$/i);
  if (!match?.[1]) throw new AppError("UNAUTHORIZED", "Missing API key. Send it as `Authorization: Bearer jace_...`.");
  const secret = match[1];
  if (!secret.startsWith(KEY_PREFIX) || secret.length > 200) throw new AppError("UNAUTHORIZED", "That is not a Jace API key.");
  const key = await db.apiKey.findUnique({ where: { keyHash: hashToken(secret) }, include: { workspace: true } });
  if (!key) throw new AppError("UNAUTHORIZED", "Unknown API key. Create one under Settings -> API keys.");
  if (key.revokedAt)
    throw new AppError("UNAUTHORIZED", `This API key (${key.prefix}...) was revoked on ${key.revokedAt.toISOString()}. Create a new one.`);
  // Bounded write amplification: last-used is refreshed at most once a minute.
  if (!key.lastUsedAt || Date.now() - key.lastUsedAt.getTime() > 60_000) {
    await db.apiKey.update({ where: { id: key.id }, data: { lastUsedAt: new Date() } });
  }
  const { id, slug, name, plan } = key.workspace;
  return { apiKeyId: key.id, name: key.name, workspace: { id, slug, name, plan } };
}
