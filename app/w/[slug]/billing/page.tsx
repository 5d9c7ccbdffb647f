import type { Metadata } from "next";
import { UsageView } from "./_components/usage-view";

export const metadata: Metadata = { title: "Usage & billing" };

/** `?month=YYYY-MM` shows a past month; anything else shows the current one. */
export default async function BillingPage({ searchParams }: { searchParams: Promise<{ month?: string | string[] }> }) {
  const { month } = await searchParams;
  return <UsageView month={typeof month === "string" && /^\d{4}-(0[1-9]|1[0-2])$/.test(month) ? month : undefined} />;
}
