import { describe, expect, it } from "vitest";
import { AppError } from "@/server/errors";
import { testDb } from "@/server/testing/db";
import { callerFor, createUser, createWorkspaceFor } from "@/server/testing/factories";
import { authenticateApiKey } from "./api-keys";

const db = testDb();

describe("API keys", () => {
  it("shows the key once, stores only its hash, authenticates it, and refuses it once revoked", async () => {
    const owner = await createUser(db);
    const ws = await createWorkspaceFor(db, owner);
    const { key, secret } = await callerFor(db, owner).apiKey.create({ workspaceSlug: ws.slug, name: "CI" });
    expect(secret).toMatch(/^jace_/);
    expect(secret.startsWith(key.prefix)).toBe(true);

    const stored = await db.apiKey.findUniqueOrThrow({ where: { id: key.id } });
    expect(JSON.stringify(stored)).not.toContain(secret.slice(12));
    const listed = await callerFor(db, owner).apiKey.list({ workspaceSlug: ws.slug });
    expect(JSON.stringify(listed)).not.toContain(secret.slice(12));
    expect(JSON.stringify(await db.auditEvent.findMany({ where: { workspaceId: ws.id } }))).not.toContain(secret.slice(12));

    const principal = await authenticateApiKey(db, `Bearer ${secret}`);
    expect(principal.workspace.slug).toBe(ws.slug);
    expect((await db.apiKey.findUniqueOrThrow({ where: { id: key.id } })).lastUsedAt).not.toBeNull();

    await callerFor(db, owner).apiKey.revoke({ workspaceSlug: ws.slug, apiKeyId: key.id });
    await expect(authenticateApiKey(db, `Bearer ${secret}`)).rejects.toThrow(/revoked/);
  });

  it.each([
    [null, /Missing API key/],
    ["Basic abc", /Missing API key/],
    ["Bearer sk-123", /not a Jace API key/],
    ["Bearer jace_unknown", /Unknown API key/],
  ])("refuses %j with a clear message", async (header, message) => {
    const err = await authenticateApiKey(db, header).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe("UNAUTHORIZED");
    expect((err as AppError).message).toMatch(message);
  });

  it("rejects an empty or oversized name and stores nothing", async () => {
    const owner = await createUser(db);
    const ws = await createWorkspaceFor(db, owner);
    await expect(callerFor(db, owner).apiKey.create({ workspaceSlug: ws.slug, name: " " })).rejects.toThrow();
    await expect(callerFor(db, owner).apiKey.create({ workspaceSlug: ws.slug, name: "x".repeat(65) })).rejects.toThrow();
    expect(await db.apiKey.count({ where: { workspaceId: ws.id } })).toBe(0);
  });
});
