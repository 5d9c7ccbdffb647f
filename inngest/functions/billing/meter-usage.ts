import type { Inngest } from "inngest";
import { getDb } from "@/server/db";
import { getEnv } from "@/server/env";
import { collectMeterReports, sendMeterReports } from "@/server/features/billing/metering";
import { pruneRateLimits } from "@/server/features/billing/rate-limit";
import { billingUsageFlush } from "../../events";

/**
 * Every minute (or on `billing/usage.flush`): turn new usage into meter reports and send them to
 * Stripe in batches. Reports carry idempotent identifiers, so a step that runs twice, or a report
 * retried after a failure, is counted once. One run at a time.
 */
export function meterUsage(inngest: Inngest) {
  return inngest.createFunction(
    {
      id: "billing-meter-usage",
      name: "Billing: meter usage",
      triggers: [{ cron: "* * * * *" }, billingUsageFlush],
      concurrency: [{ limit: 1 }],
      retries: 3,
    },
    async ({ step }) => {
      const pruned = await step.run("prune-rate-limits", () => pruneRateLimits(getDb()));
      if (!getEnv().stripe) return { mode: "local", pruned };
      const collected = await step.run("collect", () => collectMeterReports(getDb()));
      const sent = await step.run("send", () => sendMeterReports(getDb()));
      return { mode: "stripe", pruned, collected, ...sent };
    },
  );
}
