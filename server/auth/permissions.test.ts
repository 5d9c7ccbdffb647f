import { describe, expect, it } from "vitest";
import { can, permissions } from "./permissions";

describe("role permissions", () => {
  it("viewers only read; members also hand Jace work but do not approve it", () => {
    for (const p of permissions) {
      expect(can("viewer", p)).toBe(p === "workspace.read");
      expect(can("member", p)).toBe(p === "workspace.read" || p === "tasks.create");
    }
  });
  it("admins manage members, keys and projects but not billing or deletion", () => {
    expect(can("admin", "tasks.approve")).toBe(true);
    expect(can("admin", "members.manage")).toBe(true);
    expect(can("admin", "apiKeys.manage")).toBe(true);
    expect(can("admin", "projects.manage")).toBe(true);
    expect(can("admin", "billing.manage")).toBe(false);
    expect(can("admin", "workspace.delete")).toBe(false);
  });
  it("owners can do everything", () => {
    for (const p of permissions) expect(can("owner", p)).toBe(true);
  });
});
