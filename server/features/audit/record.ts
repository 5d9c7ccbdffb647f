import type { Prisma } from "@/server/generated/prisma/client";
import type { Db } from "@/server/db";

export type Actor =
  { type: "user"; id: string; label: string } | { type: "api_key"; id: string; label: string } | { type: "system"; label: string };

export type AuditEntry = {
  action: string;
  targetType: string;
  targetId?: string | null;
  metadata?: Prisma.InputJsonObject;
};

type Client = Pick<Db, "auditEvent">;

/** Writes one audit entry. Call it inside the transaction of the change it records. */
export async function recordAudit(db: Client, workspaceId: string, actor: Actor, ip: string | null, entry: AuditEntry): Promise<void> {
  await db.auditEvent.create({
    data: {
      workspaceId,
      actorType: actor.type,
      actorId: actor.type === "system" ? null : actor.id,
      actorLabel: actor.label,
      action: entry.action,
      targetType: entry.targetType,
      targetId: entry.targetId ?? null,
      metadata: entry.metadata ?? {},
      ip,
    },
  });
}

export type UserActor = Extract<Actor, { type: "user" }>;

export function userActor(session: { userId: string; email: string }): UserActor {
  return { type: "user", id: session.userId, label: session.email };
}
