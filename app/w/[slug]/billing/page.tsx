import type { Metadata } from "next";
import { PageHeader } from "@/app/_components/ui";
import { PlanSection } from "./_components/plan-section";
import { UsageView } from "./_components/usage-view";

export const metadata: Metadata = { title: "Usage & billing" };

/**
 * `?month=YYYY-MM` shows a past month's costs; anything else shows the current one.
 * `?checkout=success|cancelled` is where Stripe Checkout sends the browser back.
 */
export default async function BillingPage({
  searchParams,
}: {
  searchParams: Promise<{ month?: string | string[]; checkout?: string | string[] }>;
}) {
  const { month, checkout } = await searchParams;
  return (
    <>
      <PageHeader
        title="Usage & billing"
        description="This workspace's plan and its limits, what its model calls cost, and the budgets that cap cloud spend."
      />
      <PlanSection checkout={checkout === "success" || checkout === "cancelled" ? checkout : undefined} />
      <UsageView month={typeof month === "string" && /^\d{4}-(0[1-9]|1[0-2])$/.test(month) ? month : undefined} />
    </>
  );
}
