import { z } from "zod";
import type { Db } from "@/server/db";

export const listAuditInput = z.object({
  action: z.string().max(64).optional(),
  actor: z.string().max(200).optional(),
  from: z.date().optional(),
  to: z.date().optional(),
  cursor: z.string().max(64).optional(),
  limit: z.number().int().min(1).max(100).default(25),
});

export const auditEventOutput = z.object({
  id: z.string(),
  actorType: z.string(),
  actorId: z.string().nullable(),
  actorLabel: z.string(),
  action: z.string(),
  targetType: z.string(),
  targetId: z.string().nullable(),
  metadata: z.record(z.string(), z.unknown()),
  ip: z.string().nullable(),
  createdAt: z.date(),
});

export const listAuditOutput = z.object({ items: z.array(auditEventOutput), nextCursor: z.string().nullable() });

/** Newest first, keyset-paginated on (createdAt, id). */
export async function listAuditEvents(
  db: Db,
  workspaceId: string,
  input: z.infer<typeof listAuditInput>,
): Promise<z.infer<typeof listAuditOutput>> {
  const cursor = input.cursor ? await db.auditEvent.findFirst({ where: { id: input.cursor, workspaceId } }) : null;
  const rows = await db.auditEvent.findMany({
    where: {
      workspaceId,
      ...(input.action ? { action: { startsWith: input.action } } : {}),
      ...(input.actor ? { actorLabel: { contains: input.actor, mode: "insensitive" } } : {}),
      createdAt: { ...(input.from ? { gte: input.from } : {}), ...(input.to ? { lte: input.to } : {}) },
      ...(cursor ? { OR: [{ createdAt: { lt: cursor.createdAt } }, { createdAt: cursor.createdAt, id: { lt: cursor.id } }] } : {}),
    },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: input.limit + 1,
  });
  const items = rows.slice(0, input.limit).map((r) => ({ ...r, metadata: (r.metadata ?? {}) as Record<string, unknown> }));
  return { items, nextCursor: rows.length > input.limit ? (items.at(-1)?.id ?? null) : null };
}

/** Distinct actions seen in a workspace, for the filter menu. */
export async function listAuditActions(db: Db, workspaceId: string): Promise<string[]> {
  const rows = await db.auditEvent.findMany({
    where: { workspaceId },
    distinct: ["action"],
    select: { action: true },
    orderBy: { action: "asc" },
  });
  return rows.map((r) => r.action);
}
