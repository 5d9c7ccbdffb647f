import { apiKeyRouter } from "../features/api-keys/router";
import { auditRouter } from "../features/audit/router";
import { integrationRouter } from "../features/integrations/router";
import { billingRouter } from "../features/billing/router";
import { invitationRouter, memberRouter } from "../features/members/router";
import { projectRouter } from "../features/projects/router";
import { runnerRouter } from "../features/runners/router";
import { taskRouter } from "../features/tasks/router";
import { modelRouter } from "../features/models/router";
import { providerKeyRouter, usageRouter } from "../features/usage/router";
import { workspaceRouter } from "../features/workspaces/router";
import { createCallerFactory, createTRPCRouter } from "./trpc";

export const appRouter = createTRPCRouter({
  workspace: workspaceRouter,
  project: projectRouter,
  member: memberRouter,
  invitation: invitationRouter,
  apiKey: apiKeyRouter,
  audit: auditRouter,
  runner: runnerRouter,
  task: taskRouter,
  usage: usageRouter,
  providerKey: providerKeyRouter,
  model: modelRouter,
  integration: integrationRouter,
  billing: billingRouter,
});

export type AppRouter = typeof appRouter;

export const createCaller = createCallerFactory(appRouter);
