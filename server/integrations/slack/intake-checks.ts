import type { Db } from "@/server/db";
import { getEnv } from "@/server/env";
import { projectSettings } from "@/server/features/projects/schemas";
import type { TaskInput } from "@/server/features/tasks/schemas";
import { monthStart } from "@/server/llm/budgets";
import { workspaceOpenAIKey } from "@/server/llm/credentials";
import type { ConnectedInstallation } from "./installations";
import { batcher, settledAll, type Batcher } from "./batcher";
import { escape, link } from "./messages";

/**
 * Refusals Jace can tell the person about before writing a task, each a cheap read: no runner to
 * run it on, or the cloud budget it would need already spent. Said privately in Slack, instead of
 * a task failing in public in the channel's thread.
 */

const lookups = new WeakMap<Db, Batcher<string, boolean>>();

/**
 * Read fresh for each command (it is after the acknowledgement, beside the task's own writes): a
 * runner that just went offline or came online is seen at once. The commands of a burst share one
 * query, started after each of them asked.
 */
function runnerOnline(db: Db, workspaceId: string): Promise<boolean> {
  let lookup = lookups.get(db);
  if (!lookup) {
    lookup = batcher({
      run: async (ids) => {
        const online = await db.runner.groupBy({
          by: ["workspaceId"],
          where: { workspaceId: { in: [...new Set(ids)] }, revokedAt: null, status: { in: ["online", "busy"] } },
        });
        const found = new Set(online.map((r) => r.workspaceId));
        return settledAll(ids.map((id) => found.has(id)));
      },
      maxBatch: 500,
    });
    lookups.set(db, lookup);
  }
  return lookup(workspaceId);
}

type Project = { id: string; name: string; settings: unknown };

export async function intakeRefusal(
  db: Db,
  installation: ConnectedInstallation,
  project: Project,
  task: TaskInput,
): Promise<string | null> {
  const ws = installation.workspace;
  const policy = projectSettings.safeParse(project.settings);
  const routing = policy.success ? policy.data.routingPolicy : undefined;
  const hasRunner = await runnerOnline(db, ws.id);
  const cloudBound = task.kind === "ask" && routing !== "local-only" && (!hasRunner || routing === "cloud-preferred");
  if (!hasRunner && task.kind !== "ask") return noRunner(installation);
  if (!cloudBound) return null;
  const ownKey = await workspaceOpenAIKey(db, ws.id);
  if (!ownKey && !getEnv().OPENAI_API_KEY) return hasRunner ? null : noRunner(installation);
  const spent = await spentBudget(db, ws.id, project.id, !ownKey);
  if (!spent) return null;
  const billingUrl = `${getEnv().appUrl}/w/${ws.slug}/billing`;
  const name =
    spent.scope === "workspace"
      ? "workspace budget"
      : spent.scope === "plan"
        ? "plan's included cloud allowance"
        : `budget of project "${escape(project.name)}"`;
  return `The ${name} for cloud models is spent for this month, and this question would need the cloud${hasRunner ? "" : " (no runner is online)"}. ${link(billingUrl, "Raise the budget")}, or start a runner so it runs locally, then try again.`;
}

function noRunner(installation: ConnectedInstallation): string {
  const runnersUrl = `${getEnv().appUrl}/w/${installation.workspace.slug}/runners`;
  return `No runner is online in ${escape(installation.workspace.name)}, so nothing could run this. ${link(runnersUrl, "Add a runner")} (or start yours), then try again.`;
}

/** A hard budget (workspace, project, or the plan's allowance when Jace's key pays) with nothing left this month. */
async function spentBudget(db: Db, workspaceId: string, projectId: string, planPays: boolean) {
  return db.budget.findFirst({
    where: {
      workspaceId,
      scope: { in: ["workspace", projectId, ...(planPays ? ["plan"] : [])] },
      hardLimit: true,
      periodStart: { gte: monthStart() },
      spentMicros: { gte: db.budget.fields.monthlyLimitMicros },
    },
    select: { scope: true },
  });
}
