"use client";
import { useSearchParams } from "next/navigation";
import { PageHeader } from "@/app/_components/ui";
import { SlackCard } from "./slack-card";

/** Only channels that work are listed: the page never advertises what is not built. */
export function IntegrationsView() {
  const params = useSearchParams();
  return (
    <>
      <PageHeader title="Integrations" description="Connect the places your team already works, and hand Jace work from there." />
      <div className="mt-8 flex flex-col gap-6">
        <SlackCard connected={params.get("slack") === "connected"} error={params.get("slack_error")} />
      </div>
    </>
  );
}
