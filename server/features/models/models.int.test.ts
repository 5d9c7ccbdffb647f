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

  it("an owner's added cloud model and prices apply only with the workspace's own key; members cannot change them", async () => {
    await callerFor(db, owner).model.setPricing({
      workspaceSlug: ws.slug,
      pricing: {
        cloud: { "gpt-9": { inputPer1k: 1, outputPer1k: 2 }, "gpt-4o": { inputPer1k: 0, outputPer1k: 0 } },
        baseFeeMicros: 5_000_000,
      },
    });
    // Without its own key the workspace would spend Jace's: list prices, listed models only.
    await expect(planRoute(db, { workspaceId: ws.id, model: "gpt-9" })).rejects.toThrow(/only available with your own OpenAI key/);
    const onSystem = await planRoute(db, { workspaceId: ws.id, model: "smart" });
    expect(onSystem.pricing.cloud["gpt-4o"]).toEqual({ inputPer1k: 2500, outputPer1k: 10_000 });
    expect(onSystem.pricing.baseFeeMicros).toBe(5_000_000);

    await callerFor(db, owner).providerKey.save({ workspaceSlug: ws.slug, key: "sk-own-key-for-models-test-0000" });
    const plan = await planRoute(db, { workspaceId: ws.id, model: "gpt-9" });
    expect(plan).toMatchObject({ keySource: "workspace", candidates: [{ provider: "openai", model: "gpt-9" }] });
    expect(plan.pricing.cloud["gpt-4o"]).toEqual({ inputPer1k: 0, outputPer1k: 0 });
    await callerFor(db, owner).providerKey.remove({ workspaceSlug: ws.slug });

    await expect(callerFor(db, member).model.setPricing({ workspaceSlug: ws.slug, pricing: {} })).rejects.toThrow(
      /Your role \(member\) does not allow/,
    );
    await expect(
      callerFor(db, member).model.setEntry({ workspaceSlug: ws.slug, name: "y", entry: { local: ["*"], cloud: null } }),
    ).rejects.toThrow();
  });

  it("the workspace's default routing policy applies to calls without a project and to projects without their own", async () => {
    const api = callerFor(db, owner).model;
    expect((await api.catalog({ workspaceSlug: ws.slug })).routingPolicy).toBe("local-first");
    await api.setPolicy({ workspaceSlug: ws.slug, policy: "local-only" });
    expect((await api.catalog({ workspaceSlug: ws.slug })).routingPolicy).toBe("local-only");
    await expect(planRoute(db, { workspaceId: ws.id, model: "smart" })).rejects.toThrow(/this workspace is local-only/);
    const plain = await db.project.create({ data: { workspaceId: ws.id, name: "plain" } });
    const cloudy = await db.project.create({
      data: { workspaceId: ws.id, name: "cloudy", settings: { routingPolicy: "cloud-preferred" } },
    });
    expect((await planRoute(db, { workspaceId: ws.id, projectId: plain.id, model: "fast" })).policy).toBe("local-only");
    expect((await planRoute(db, { workspaceId: ws.id, projectId: cloudy.id, model: "fast" })).policy).toBe("cloud-preferred");
    expect(await db.auditEvent.findFirst({ where: { workspaceId: ws.id, action: "model.policy_changed" } })).toMatchObject({
      metadata: { from: "local-first", to: "local-only" },
    });
    await expect(callerFor(db, member).model.setPolicy({ workspaceSlug: ws.slug, policy: "cloud-preferred" })).rejects.toThrow(
      /Your role \(member\) does not allow/,
    );
    await api.setPolicy({ workspaceSlug: ws.slug, policy: "local-first" });
  });
});
