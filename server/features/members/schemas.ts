import { z } from "zod";

export const role = z.enum(["owner", "admin", "member", "viewer"]);

export const inviteInput = z.object({
  email: z.string().trim().toLowerCase().max(254, "That email address is too long.").pipe(z.email("Enter a valid email address.")),
  role: role.default("member"),
});

export const memberOutput = z.object({
  membershipId: z.string(),
  userId: z.string(),
  email: z.string(),
  name: z.string().nullable(),
  role,
  joinedAt: z.date(),
});

export const invitationOutput = z.object({
  id: z.string(),
  email: z.string(),
  role,
  expiresAt: z.date(),
  createdAt: z.date(),
  expired: z.boolean(),
});

export const invitationPreview = z.object({
  workspaceName: z.string(),
  workspaceSlug: z.string(),
  inviterName: z.string(),
  email: z.string(),
  role,
  status: z.enum(["valid", "expired", "accepted", "revoked"]),
  emailMatches: z.boolean(),
  alreadyMember: z.boolean(),
});

export const invitationToken = z.object({ token: z.string().min(10).max(200) });
