"use client";
import { useSearchParams } from "next/navigation";
import { Badge, Card, CardBody, CardHeader, PageHeader } from "@/app/_components/ui";
import { SlackCard } from "./slack-card";

const coming = [
  { name: "GitHub", what: "a GitHub App: issue labels and PR comments start tasks; results as comments" },
  { name: "Gmail", what: "mail to a watched inbox becomes a task; the answer goes back by mail" },
  { name: "Telegram", what: "a bot for commands and approvals in chats" },
  { name: "Trello", what: "cards moved to a list become tasks" },
];

export function IntegrationsView() {
  const params = useSearchParams();
  return (
    <>
      <PageHeader title="Integrations" description="Connect the places your team already works, and hand Jace work from there." />
      <div className="mt-8 flex flex-col gap-6">
        <SlackCard connected={params.get("slack") === "connected"} error={params.get("slack_error")} />
        <Card>
          <CardHeader
            title="More channels"
            description="Not built yet. Nothing here is simulated."
            actions={<Badge tone="warning">Coming soon</Badge>}
          />
          <CardBody>
            <ul className="flex flex-col gap-2 text-sm">
              {coming.map((c) => (
                <li key={c.name}>
                  <span className="font-medium text-ink">{c.name}</span> <span className="text-ink-muted">· {c.what}</span>
                </li>
              ))}
            </ul>
          </CardBody>
        </Card>
      </div>
    </>
  );
}
