import type { Role } from "../generated/prisma/enums";

/**
 * What each role may do. Procedures declare the permission they need; the role table is the one
 * place that decides. Viewers read only; admins manage members, keys and projects; owners also
 * manage billing and deletion.
 */
export const permissions = [
  "workspace.read",
  "workspace.update",
  "workspace.delete",
  "projects.manage",
  "members.manage",
  "apiKeys.manage",
  "audit.read",
  "runners.manage",
  "billing.manage",
  "tasks.create",
  "tasks.approve",
  "integrations.manage",
] as const;

export type Permission = (typeof permissions)[number];

const viewer: Permission[] = ["workspace.read"];
/** Members hand Jace work, cancel and replay it; approving a plan is for admins and owners. */
const member: Permission[] = [...viewer, "tasks.create"];
const admin: Permission[] = [
  ...member,
  "workspace.update",
  "projects.manage",
  "members.manage",
  "apiKeys.manage",
  "audit.read",
  "runners.manage",
  "tasks.approve",
  "integrations.manage",
];
const owner: Permission[] = [...admin, "billing.manage", "workspace.delete"];

export const rolePermissions: Record<Role, ReadonlySet<Permission>> = {
  viewer: new Set(viewer),
  member: new Set(member),
  admin: new Set(admin),
  owner: new Set(owner),
};

export const roleRank: Record<Role, number> = { viewer: 0, member: 1, admin: 2, owner: 3 };

export function can(role: Role, permission: Permission): boolean {
  return rolePermissions[role].has(permission);
}
