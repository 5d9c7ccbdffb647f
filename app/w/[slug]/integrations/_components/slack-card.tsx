"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import {
  Alert,
  Badge,
  Button,
  buttonClasses,
  Card,
  CardBody,
  CardHeader,
  Checkbox,
  ConfirmDialog,
  Skeleton,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableHeaderCell,
  TableRow,
} from "@/app/_components/ui";
import { useTRPC, type RouterOutputs } from "@/app/_lib/trpc";
import { useWorkspace } from "../../_components/workspace-context";
import { installErrors } from "./install-errors";

type Overview = RouterOutputs["integration"]["slack"];

export function SlackCard({ connected, error }: { connected: boolean; error: string | null }) {
  const trpc = useTRPC();
  const { slug } = useWorkspace();
  const slack = useQuery(trpc.integration.slack.queryOptions({ workspaceSlug: slug }));
  const status = slack.data?.installation;
  const badge = !slack.data ? null : !slack.data.configured ? (
    <Badge tone="warning">Not configured</Badge>
  ) : status?.connected ? (
    <Badge tone="success" dot>
      Connected
    </Badge>
  ) : status ? (
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
        {connected && status?.connected ? <Alert tone="success">Slack is connected to {status.teamName}.</Alert> : null}
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
          <Alert tone="danger" title="Could not load the Slack connection">
            {slack.error.message}
          </Alert>
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
  const status = overview.installation;
  const install = (
    <a href={overview.installUrl} className={buttonClasses({ variant: status ? "secondary" : "primary" })}>
      {status?.connected ? "Reinstall" : status ? "Reconnect Slack" : "Add to Slack"}
    </a>
  );
  return (
    <>
      {status ? (
        <div className="flex flex-wrap items-center justify-between gap-3 text-sm">
          <div>
            <div className="font-medium text-ink">{status.teamName}</div>
            <div className="text-ink-muted">
              {status.connected
                ? `Connected ${status.installedAt.toLocaleDateString()}`
                : `Disconnected ${status.disconnectedAt?.toLocaleDateString() ?? ""}: ${status.disconnectReason ?? ""}`}
            </div>
          </div>
          {canManage ? (
            <div className="flex gap-2">
              {install}
              {status.connected ? <DisconnectButton teamName={status.teamName} /> : null}
            </div>
          ) : null}
        </div>
      ) : canManage ? (
        <div className="flex flex-wrap items-center justify-between gap-3 text-sm text-ink-muted">
          <p>
            Install Jace into a Slack workspace. Then type <code>/jace help</code> in any channel.
          </p>
          {install}
        </div>
      ) : (
        <p className="text-sm text-ink-muted">Not connected. An admin or owner of this workspace can connect Slack.</p>
      )}
      {status ? <Channels channels={overview.channels} canManage={canManage && status.connected} /> : null}
    </>
  );
}

function DisconnectButton({ teamName }: { teamName: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { slug } = useWorkspace();
  const [open, setOpen] = useState(false);
  const disconnect = useMutation(
    trpc.integration.disconnectSlack.mutationOptions({
      onSuccess: async () => {
        setOpen(false);
        await queryClient.invalidateQueries({ queryKey: trpc.integration.slack.queryKey({ workspaceSlug: slug }) });
      },
    }),
  );
  return (
    <>
      <Button variant="danger" onClick={() => setOpen(true)}>
        Disconnect
      </Button>
      <ConfirmDialog
        open={open}
        onClose={() => setOpen(false)}
        onConfirm={() => disconnect.mutate({ workspaceSlug: slug })}
        title={`Disconnect ${teamName}?`}
        description="Jace's bot token is revoked and deleted. /jace stops working there until someone reconnects; tasks and channel links stay."
        confirmLabel="Disconnect"
        tone="danger"
        loading={disconnect.isPending}
      >
        {disconnect.error ? <Alert tone="danger">{disconnect.error.message}</Alert> : null}
      </ConfirmDialog>
    </>
  );
}

function Channels({ channels, canManage }: { channels: Overview["channels"]; canManage: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { slug } = useWorkspace();
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.integration.slack.queryKey({ workspaceSlug: slug }) });
  const digest = useMutation(trpc.integration.setChannelDigest.mutationOptions({ onSuccess: refresh }));
  const unlink = useMutation(trpc.integration.unlinkChannel.mutationOptions({ onSuccess: refresh }));
  if (channels.length === 0) {
    return (
      <p className="text-sm text-ink-muted">
        No linked channels yet. The first <code>/jace</code> command in a channel offers to link it to a project.
      </p>
    );
  }
  return (
    <Table>
      <TableHead>
        <TableRow>
          <TableHeaderCell>Channel</TableHeaderCell>
          <TableHeaderCell>Project</TableHeaderCell>
          <TableHeaderCell>Daily digest</TableHeaderCell>
          {canManage ? <TableHeaderCell className="sr-only">Actions</TableHeaderCell> : null}
        </TableRow>
      </TableHead>
      <TableBody>
        {channels.map((c) => (
          <TableRow key={c.id}>
            <TableCell className="font-medium">#{c.channelName}</TableCell>
            <TableCell>{c.projectName}</TableCell>
            <TableCell>
              {canManage ? (
                <Checkbox
                  label="Post at 09:00 UTC"
                  checked={c.digest}
                  disabled={digest.isPending}
                  onChange={(e) => digest.mutate({ workspaceSlug: slug, linkId: c.id, digest: e.currentTarget.checked })}
                />
              ) : c.digest ? (
                "On"
              ) : (
                "Off"
              )}
            </TableCell>
            {canManage ? (
              <TableCell className="text-right">
                <Button
                  size="sm"
                  variant="ghost"
                  disabled={unlink.isPending}
                  onClick={() => unlink.mutate({ workspaceSlug: slug, linkId: c.id })}
                >
                  Unlink
                </Button>
              </TableCell>
            ) : null}
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
