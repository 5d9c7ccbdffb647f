import type { Inngest } from "inngest";
import { getDb } from "@/server/db";
import { resendLostDecisions } from "@/server/features/tasks/decision-sweep";
import { resendStuckTasks } from "@/server/features/tasks/intake";

/**
 * Every minute, sends `task/created` again for tasks still queued a minute after intake (the
 * first send failed, or the app stopped between writing the task and sending), and the approval,
 * rejection or cancellation a waiting run never heard. Event ids and the pipeline's idempotency
 * key make a repeat harmless.
 */
export function taskIntakeSweep(inngest: Inngest) {
  return inngest.createFunction(
    { id: "task-intake-sweep", name: "Task intake sweep", triggers: [{ cron: "* * * * *" }] },
    async ({ step }) => {
      const count = await step.run("resend", () => resendStuckTasks(getDb()));
      const decisions = await step.run("resend-decisions", () => resendLostDecisions(getDb()));
      return { resent: count, decisions };
    },
  );
}
