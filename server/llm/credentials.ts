import type { Db } from "@/server/db";
import { decryptSecret, encryptSecret } from "@/server/crypto";
import { AppError } from "@/server/errors";
import { recordAudit, type Actor } from "@/server/features/audit/record";

/**
 * A workspace's own OpenAI key: encrypted at rest (AES-256-GCM, bound to the workspace), never
 * logged or returned after saving; people see `sk-...last4`.
 */

const aad = (workspaceId: string) => `provider-key:openai:${workspaceId}`;

export type ProviderKeyView = { provider: "openai"; masked: string; updatedAt: Date } | null;

export async function saveOpenAIKey(db: Db, workspaceId: string, actor: Actor, ip: string | null, key: string): Promise<ProviderKeyView> {
  const trimmed = key.trim();
  if (!/^sk-[A-Za-z0-9_-]{16,200}$/.test(trimmed)) throw new AppError("BAD_REQUEST", "That does not look like an OpenAI API key (sk-...).");
  const row = await db.$transaction(async (tx) => {
    const saved = await tx.providerCredential.upsert({
      where: { workspaceId_provider: { workspaceId, provider: "openai" } },
      create: {
        workspaceId,
        provider: "openai",
        encryptedKey: encryptSecret(trimmed, aad(workspaceId)),
        last4: trimmed.slice(-4),
        createdById: actor.type === "system" ? null : actor.id,
      },
      update: { encryptedKey: encryptSecret(trimmed, aad(workspaceId)), last4: trimmed.slice(-4) },
    });
    await recordAudit(tx, workspaceId, actor, ip, {
      action: "provider_key.saved",
      targetType: "provider_key",
      targetId: saved.id,
      metadata: { provider: "openai" },
    });
    return saved;
  });
  return { provider: "openai", masked: `sk-...${row.last4}`, updatedAt: row.updatedAt };
}

export async function removeOpenAIKey(db: Db, workspaceId: string, actor: Actor, ip: string | null): Promise<void> {
  const existing = await db.providerCredential.findUnique({ where: { workspaceId_provider: { workspaceId, provider: "openai" } } });
  if (!existing) return;
  await db.$transaction(async (tx) => {
    await tx.providerCredential.delete({ where: { id: existing.id } });
    await recordAudit(tx, workspaceId, actor, ip, {
      action: "provider_key.removed",
      targetType: "provider_key",
      targetId: existing.id,
      metadata: { provider: "openai" },
    });
  });
}

export async function describeOpenAIKey(db: Db, workspaceId: string): Promise<ProviderKeyView> {
  const row = await db.providerCredential.findUnique({ where: { workspaceId_provider: { workspaceId, provider: "openai" } } });
  return row ? { provider: "openai", masked: `sk-...${row.last4}`, updatedAt: row.updatedAt } : null;
}

/** The plaintext key, for the router only. */
export async function workspaceOpenAIKey(db: Db, workspaceId: string): Promise<string | null> {
  const row = await db.providerCredential.findUnique({ where: { workspaceId_provider: { workspaceId, provider: "openai" } } });
  return row ? decryptOpenAIKey(workspaceId, row.encryptedKey) : null;
}

/** The plaintext of a key the router read with its route (server/llm/plan.ts). */
export function decryptOpenAIKey(workspaceId: string, encryptedKey: string): string {
  return decryptSecret(encryptedKey, aad(workspaceId));
}
