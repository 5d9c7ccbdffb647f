import type { Metadata } from "next";
import { IconIntegrations } from "@/app/_components/ui";
import { NotBuiltYet } from "../_components/not-built-yet";

export const metadata: Metadata = { title: "Integrations" };

export default function IntegrationsPage() {
  return (
    <NotBuiltYet
      title="Integrations"
      description="Connect the places your team already works, and hand Jace work from there."
      icon={<IconIntegrations />}
      coming={[
        "Slack: /jace commands, approvals and results in threads",
        "GitHub App: issue labels and PR comments",
        "Gmail, Telegram and Trello intake",
      ]}
    />
  );
}
