import { describe, expect, it } from "vitest";
import { testDb } from "@/server/testing/db";
import { callerFor, createUser } from "@/server/testing/factories";

const db = testDb();

describe("workspaces", () => {
  it("creates a workspace with the caller as owner and an audit entry", async () => {
    const user = await createUser(db);
    const slug = `acme-${Date.now()}`;
    const ws = await callerFor(db, user).workspace.create({ name: " Acme ", slug });
    expect(ws).toMatchObject({ name: "Acme", slug, role: "owner" });
    expect((await callerFor(db, user).audit.list({ workspaceSlug: slug })).items[0]?.action).toBe("workspace.created");
  });

  it("refuses a duplicate slug with a suggestion, and a reserved one, storing nothing", async () => {
    const user = await createUser(db);
    const slug = `dup-${Date.now()}`;
    await callerFor(db, user).workspace.create({ name: "One", slug });
    await expect(callerFor(db, user).workspace.create({ name: "Two", slug })).rejects.toThrow(/already taken/);
    await expect(callerFor(db, user).workspace.create({ name: "Three", slug: "settings" })).rejects.toThrow(/reserved/);
    expect(await db.workspace.count({ where: { name: { in: ["Two", "Three"] } } })).toBe(0);
    expect(await callerFor(db, user).workspace.slugAvailable({ slug })).toEqual({ available: false, reason: "That URL is already taken." });
  });

  it("deletes only when the slug is typed, and only for owners", async () => {
    const user = await createUser(db);
    const slug = `gone-${Date.now()}`;
    await callerFor(db, user).workspace.create({ name: "Gone", slug });
    await expect(callerFor(db, user).workspace.delete({ workspaceSlug: slug, confirmSlug: "nope" })).rejects.toThrow(
      /Type the workspace URL/,
    );
    await callerFor(db, user).workspace.delete({ workspaceSlug: slug, confirmSlug: slug });
    expect(await db.workspace.count({ where: { slug } })).toBe(0);
  });

  it("projects: duplicate names conflict, archive hides, audit records each change", async () => {
    const user = await createUser(db);
    const slug = `proj-${Date.now()}`;
    const caller = callerFor(db, user);
    await caller.workspace.create({ name: "P", slug });
    const p = await caller.project.create({ workspaceSlug: slug, name: "API", settings: { defaultBranch: "main" } });
    await expect(caller.project.create({ workspaceSlug: slug, name: "API" })).rejects.toThrow(/already exists/);
    await expect(caller.project.create({ workspaceSlug: slug, name: "x".repeat(81) })).rejects.toThrow();
    await caller.project.update({ workspaceSlug: slug, projectId: p.id, description: "Public API" });
    await caller.project.archive({ workspaceSlug: slug, projectId: p.id });
    expect(await caller.project.list({ workspaceSlug: slug, includeArchived: false })).toHaveLength(0);
    expect(await caller.project.list({ workspaceSlug: slug, includeArchived: true })).toHaveLength(1);
    const actions = (await caller.audit.list({ workspaceSlug: slug })).items.map((e) => e.action);
    expect(actions).toEqual(["project.archived", "project.updated", "project.created", "workspace.created"]);
  });

  it("audit log paginates with a cursor and filters by action", async () => {
    const user = await createUser(db);
    const slug = `audit-${Date.now()}`;
    const caller = callerFor(db, user);
    await caller.workspace.create({ name: "A", slug });
    // More projects than the Free plan allows.
    await db.workspace.update({ where: { slug }, data: { plan: "team" } });
    for (let i = 0; i < 5; i++) await caller.project.create({ workspaceSlug: slug, name: `P${i}` });
    const page1 = await caller.audit.list({ workspaceSlug: slug, limit: 4 });
    expect(page1.items).toHaveLength(4);
    const page2 = await caller.audit.list({ workspaceSlug: slug, limit: 4, cursor: page1.nextCursor! });
    expect(page2.items).toHaveLength(2);
    expect(page2.nextCursor).toBeNull();
    expect(new Set([...page1.items, ...page2.items].map((e) => e.id)).size).toBe(6);
    expect((await caller.audit.list({ workspaceSlug: slug, action: "workspace." })).items).toHaveLength(1);
  });
});
