import { beforeAll, describe, expect, it } from "vitest";
import { planRoute } from "@/server/llm/router";
import { testDb } from "../../testing/db";
import { addMember, callerFor, createUser, createWorkspaceFor, type TestUser } from "../../testing/factories";

const db = testDb();
let owner: TestUser;
let member: TestUser;
let ws: { id: string; slug: string };

beforeAll(async () => {
  owner = await createUser(db, "Models Owner");
  member = await createUser(db, "Models Member");
  ws = await createWorkspaceFor(db, owner, "Models");
  await addMember(db, ws.id, member, "member");
});

describe("model catalog and pricing", () => {
  it("shows the default catalog, and an admin's override changes routing until reset", async () => {
    const api = callerFor(db, owner).model;
    const before = await api.catalog({ workspaceSlug: ws.slug });
    expect(before.catalog.find((e) => e.name === "fast")).toMatchObject({ cloud: "gpt-4o-mini", custom: false, builtIn: true });
    await api.setEntry({ workspaceSlug: ws.slug, name: "fast", entry: { local: [], cloud: "gpt-4o" } });
    expect((await planRoute(db, { workspaceId: ws.id, model: "fast" })).candidates).toEqual([{ provider: "openai", model: "gpt-4o" }]);
    await api.setEntry({ workspaceSlug: ws.slug, name: "reviewer", entry: { local: ["*coder*"], cloud: null } });
    expect((await planRoute(db, { workspaceId: ws.id, model: "reviewer" })).candidates).toEqual([
      { provider: "runner", patterns: ["*coder*"] },
    ]);
    await api.resetEntry({ workspaceSlug: ws.slug, name: "fast" });
    expect((await api.catalog({ workspaceSlug: ws.slug })).catalog.find((e) => e.name === "fast")?.custom).toBe(false);
    expect(await db.auditEvent.count({ where: { workspaceId: ws.id, action: { startsWith: "model." } } })).toBe(3);
  });

  it("refuses a cloud model without a price and an entry with nowhere to run", async () => {
    const api = callerFor(db, owner).model;
    await expect(api.setEntry({ workspaceSlug: ws.slug, name: "x", entry: { local: [], cloud: "gpt-9" } })).rejects.toThrow(
      /No price is set for cloud model "gpt-9"/,
    );
    await expect(api.setEntry({ workspaceSlug: ws.slug, name: "x", entry: { local: [], cloud: null } })).rejects.toThrow(
      /needs a local pattern/,
    );
  });

  it("prices set by the owner are what the router charges with; members cannot change them", async () => {
    await callerFor(db, owner).model.setPricing({
      workspaceSlug: ws.slug,
      pricing: { cloud: { "gpt-9": { inputPer1k: 1, outputPer1k: 2 } }, baseFeeMicros: 5_000_000 },
    });
    const plan = await planRoute(db, { workspaceId: ws.id, model: "gpt-9" });
    expect(plan.candidates).toEqual([{ provider: "openai", model: "gpt-9" }]);
    expect(plan.pricing.baseFeeMicros).toBe(5_000_000);
    await expect(callerFor(db, member).model.setPricing({ workspaceSlug: ws.slug, pricing: {} })).rejects.toThrow(
      /Your role \(member\) does not allow/,
    );
    await expect(
      callerFor(db, member).model.setEntry({ workspaceSlug: ws.slug, name: "y", entry: { local: ["*"], cloud: null } }),
    ).rejects.toThrow();
  });
});
