import { z } from "zod";
import { routingPolicies } from "@/server/llm/types";

/** Per-project settings. Later issues add model, routing policy and repository defaults here. */
export const projectSettings = z
  .object({
    defaultRepository: z
      .union([
        z.url({ protocol: /^https?$/, message: "Enter the repository's http(s) URL, e.g. https://github.com/acme/api." }).max(300),
        z.literal(""),
      ])
      .optional(),
    defaultBranch: z.string().trim().max(100).optional(),
    taskTimeoutMinutes: z
      .number()
      .int()
      .min(1)
      .max(24 * 60)
      .optional(),
    requireApproval: z.boolean().optional(),
    /** Where this project's model calls may go (server/llm/types.ts); local-first by default. */
    routingPolicy: z.enum(routingPolicies).optional(),
    /** The logical or concrete model its tasks use (default "fast"). */
    model: z.string().trim().max(200).optional(),
  })
  .strict();

export const projectName = z.string().trim().min(1, "Enter a project name.").max(80, "Keep the name to 80 characters or fewer.");
export const projectDescription = z.string().trim().max(500, "Keep the description to 500 characters or fewer.");

export const createProjectInput = z.object({
  name: projectName,
  description: projectDescription.default(""),
  settings: projectSettings.default({}),
});

export const updateProjectInput = z.object({
  projectId: z.string().min(1).max(64),
  name: projectName.optional(),
  description: projectDescription.optional(),
  settings: projectSettings.optional(),
});

export const projectOutput = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  settings: projectSettings,
  archivedAt: z.date().nullable(),
  createdAt: z.date(),
  updatedAt: z.date(),
});

export type ProjectOutput = z.infer<typeof projectOutput>;
