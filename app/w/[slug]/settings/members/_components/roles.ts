import type { SelectOption } from "@/app/_components/ui";

export type Role = "owner" | "admin" | "member" | "viewer";

export const roleLabels: Record<Role, string> = { owner: "Owner", admin: "Admin", member: "Member", viewer: "Viewer" };

/** "an admin", for sentences. */
export const roleWithArticle: Record<Role, string> = { owner: "an owner", admin: "an admin", member: "a member", viewer: "a viewer" };

const order: Role[] = ["owner", "admin", "member", "viewer"];

/** Only owners may grant the owner role; for everyone else it shows but cannot be picked. */
export function roleOptions(actorRole: Role): SelectOption[] {
  return order.map((r) => ({
    value: r,
    label: r === "owner" && actorRole !== "owner" ? `${roleLabels[r]} (owners only)` : roleLabels[r],
    disabled: r === "owner" && actorRole !== "owner",
  }));
}

export const roleHint =
  "Owners also manage billing and can delete the workspace. Admins manage members, projects and API keys. Members and viewers can see the workspace.";
