import type { Metadata } from "next";
import { IconBilling } from "@/app/_components/ui";
import { NotBuiltYet } from "../_components/not-built-yet";

export const metadata: Metadata = { title: "Usage & billing" };

export default function BillingPage() {
  return (
    <NotBuiltYet
      title="Usage & billing"
      description="Plans, quotas, model costs and invoices for this workspace."
      icon={<IconBilling />}
      coming={[
        "show this month's cost split between local and cloud models, with the saving",
        "plans and quotas with Stripe Checkout and the billing portal",
        "budgets with alerts",
      ]}
    />
  );
}
