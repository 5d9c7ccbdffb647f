import { z } from "zod";

/** Slugs that would collide with routes or read as official. */
export const reservedSlugs = new Set([
  "admin",
  "api",
  "app",
  "auth",
  "billing",
  "dashboard",
  "dev",
  "docs",
  "help",
  "invite",
  "jace",
  "login",
  "logout",
  "new",
  "onboarding",
  "public",
  "settings",
  "signin",
  "signout",
  "signup",
  "static",
  "status",
  "support",
  "w",
  "www",
]);

export const workspaceName = z.string().trim().min(1, "Enter a name.").max(64, "Keep the name to 64 characters or fewer.");

export const workspaceSlug = z
  .string()
  .trim()
  .toLowerCase()
  .min(3, "The URL needs at least 3 characters.")
  .max(48, "Keep the URL to 48 characters or fewer.")
  .regex(/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/, "Use lowercase letters, digits and hyphens, not starting or ending with a hyphen.")
  .refine((s) => !reservedSlugs.has(s), "That URL is reserved. Pick another.");

export const createWorkspaceInput = z.object({ name: workspaceName, slug: workspaceSlug });

export const workspaceSummary = z.object({
  id: z.string(),
  slug: z.string(),
  name: z.string(),
  plan: z.string(),
  role: z.enum(["owner", "admin", "member", "viewer"]),
});

export type WorkspaceSummary = z.infer<typeof workspaceSummary>;

/** Suggests a slug from a name: "Acme Corp." -> "acme-corp". */
export function slugify(name: string): string {
  return name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 48)
    .replace(/-+$/, "");
}
