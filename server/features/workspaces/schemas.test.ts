import { describe, expect, it } from "vitest";
import { createWorkspaceInput, slugify, workspaceSlug } from "./schemas";

describe("workspace slugs", () => {
  it.each([
    ["Acme Corp.", "acme-corp"],
    ["  Crème brûlée  ", "creme-brulee"],
    ["---", ""],
  ])("slugify(%j) = %j", (name, slug) => {
    expect(slugify(name)).toBe(slug);
  });

  it.each(["ab", "-abc", "abc-", "ab_c", "a".repeat(49), "settings", "api", "w"])("rejects %j", (slug) => {
    expect(workspaceSlug.safeParse(slug).success).toBe(false);
  });

  it("explains a reserved slug", () => {
    const r = workspaceSlug.safeParse("admin");
    expect(r.success ? "" : r.error.issues[0]?.message).toMatch(/reserved/);
  });

  it("rejects an oversized name", () => {
    expect(createWorkspaceInput.safeParse({ name: "x".repeat(65), slug: "fine-slug" }).success).toBe(false);
    expect(createWorkspaceInput.safeParse({ name: "   ", slug: "fine-slug" }).success).toBe(false);
  });
});
