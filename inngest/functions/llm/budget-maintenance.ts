import type { Inngest } from "inngest";
import { getDb } from "@/server/db";
import { expireReservations, rollBudgetPeriods } from "@/server/llm/budgets";

/**
 * Every five minutes: release budget reservations of calls that never settled (their process
 * died), and start the new month's period for budgets on the first of the month (reservations
 * also roll lazily when a call finds its budget's period over).
 */
export function budgetMaintenance(inngest: Inngest) {
  return inngest.createFunction(
    { id: "budget-maintenance", name: "Budget maintenance", triggers: [{ cron: "*/5 * * * *" }] },
    async ({ step }) => {
      const expired = await step.run("expire-reservations", () => expireReservations(getDb()));
      const rolled = await step.run("roll-periods", () => rollBudgetPeriods(getDb()));
      return { expired, rolled };
    },
  );
}
