import { randomUUID } from "node:crypto";
import pino from "pino";
import { createCaller } from "../api/root";
import type { Db } from "../db";
import type { Role } from "../generated/prisma/enums";
import type { PlanId } from "../features/billing/plans";

export type TestUser = { id: string; email: string; name: string };

export async function createUser(db: Db, name = "Test User"): Promise<TestUser> {
  const email = `user-${randomUUID().slice(0, 8)}@example.test`;
  const user = await db.user.create({ data: { email, name, emailVerified: new Date() } });
  return { id: user.id, email: user.email, name };
}

/**
 * A workspace owned by `owner`. Tests get the unlimited plan unless they ask for another, so only
 * the tests about plan limits meet them (server/features/billing/).
 */
export async function createWorkspaceFor(db: Db, owner: TestUser, name = "Acme", plan: PlanId = "enterprise") {
  const slug = `ws-${randomUUID().slice(0, 8)}`;
  return db.workspace.create({ data: { name, slug, plan, memberships: { create: { userId: owner.id, role: "owner" } } } });
}

export async function addMember(db: Db, workspaceId: string, user: TestUser, role: Role) {
  return db.membership.create({ data: { workspaceId, userId: user.id, role } });
}

const silent = pino({ level: "silent" });

/** A tRPC caller acting as `user`, going through the same middleware as HTTP requests. */
export function callerFor(db: Db, user: TestUser | null) {
  return createCaller({
    db,
    session: user ? { userId: user.id, email: user.email, name: user.name } : null,
    requestId: randomUUID(),
    ip: "127.0.0.1",
    log: silent,
  });
}
