"use client";
import { useQuery } from "@tanstack/react-query";
import { Alert, Badge, buttonClasses, Card, CardBody, CardHeader, LoadError, Skeleton } from "@/app/_components/ui";
import { useTRPC, type RouterOutputs } from "@/app/_lib/trpc";
import { useWorkspace } from "../../_components/workspace-context";
import { installErrors } from "./install-errors";
import { SlackInstallation } from "./slack-installation";

type Overview = RouterOutputs["integration"]["slack"];

export function SlackCard({ connected, error }: { connected: boolean; error: string | null }) {
  const trpc = useTRPC();
  const { slug } = useWorkspace();
  const slack = useQuery(trpc.integration.slack.queryOptions({ workspaceSlug: slug }));
  const installations = slack.data?.installations ?? [];
  const connectedCount = installations.filter((i) => i.connected).length;
  const badge = !slack.data ? null : !slack.data.configured ? (
    <Badge tone="warning">Not configured</Badge>
  ) : connectedCount > 0 ? (
    <Badge tone="success" dot>
      {connectedCount === 1 ? "Connected" : `${connectedCount} teams connected`}
    </Badge>
  ) : installations.length > 0 ? (
    <Badge tone="danger" dot>
      Disconnected
    </Badge>
  ) : (
    <Badge>Not connected</Badge>
  );

  return (
    <Card>
      <CardHeader
        title="Slack"
        description="/jace commands in your channels, approvals with a button, results in the thread."
        actions={badge}
      />
      <CardBody className="flex flex-col gap-4">
        {connected && connectedCount > 0 ? <Alert tone="success">Slack is connected.</Alert> : null}
        {error ? (
          <Alert tone="danger" title="Slack was not connected">
            {installErrors[error] ?? installErrors.failed}
          </Alert>
        ) : null}
        {slack.isPending ? (
          <div aria-busy="true" aria-label="Loading the Slack connection" className="flex flex-col gap-2">
            <Skeleton className="h-4 w-48" />
            <Skeleton className="h-9 w-full max-w-md" />
          </div>
        ) : slack.isError ? (
          <LoadError what="the Slack connection" error={slack.error} />
        ) : !slack.data.configured ? (
          <NotConfigured missing={slack.data.missing} />
        ) : (
          <Connection overview={slack.data} />
        )}
      </CardBody>
    </Card>
  );
}

function NotConfigured({ missing }: { missing: string[] }) {
  return (
    <div className="text-sm text-ink-muted">
      <p>
        Slack is not configured on this Jace server. An operator creates the Slack app from the manifest in the repository (
        <code>slack-app-manifest.yml</code>) and sets:
      </p>
      <ul className="mt-2 flex flex-col gap-1">
        {missing.map((m) => (
          <li key={m}>
            <code className="rounded bg-subtle px-1.5 py-0.5 text-[13px] text-ink">{m}</code>
          </li>
        ))}
      </ul>
      <p className="mt-2">Then restart Jace. The README&apos;s Slack section has the steps.</p>
    </div>
  );
}

function Connection({ overview }: { overview: Overview }) {
  const { can } = useWorkspace();
  const canManage = can("integrations.manage");
  const { installations } = overview;
  const install = (
    <a href={overview.installUrl} className={buttonClasses({ variant: installations.length > 0 ? "secondary" : "primary" })}>
      {installations.length > 0 ? "Add another Slack workspace" : "Add to Slack"}
    </a>
  );
  return (
    <>
      {installations.length === 0 ? (
        canManage ? (
          <div className="flex flex-wrap items-center justify-between gap-3 text-sm text-ink-muted">
            <p>
              Install Jace into a Slack workspace. Then type <code>/jace help</code> in any channel.
            </p>
            {install}
          </div>
        ) : (
          <p className="text-sm text-ink-muted">Not connected. An admin or owner of this workspace can connect Slack.</p>
        )
      ) : (
        <>
          {installations.map((i) => (
            <SlackInstallation key={i.id} installation={i} installUrl={overview.installUrl} canManage={canManage} />
          ))}
          {canManage ? (
            <div className="flex flex-wrap items-center justify-between gap-3 text-sm text-ink-muted">
              <p>Each Slack workspace connects to one Jace workspace; this one can have several.</p>
              {install}
            </div>
          ) : null}
        </>
      )}
    </>
  );
}
