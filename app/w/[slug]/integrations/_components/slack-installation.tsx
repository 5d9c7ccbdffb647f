"use client";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import {
  Alert,
  Button,
  buttonClasses,
  Checkbox,
  ConfirmDialog,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableHeaderCell,
  TableRow,
} from "@/app/_components/ui";
import { useTRPC, type RouterOutputs } from "@/app/_lib/trpc";
import { useWorkspace } from "../../_components/workspace-context";

type Installation = RouterOutputs["integration"]["slack"]["installations"][number];

function useRefresh() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { slug } = useWorkspace();
  return () => queryClient.invalidateQueries({ queryKey: trpc.integration.slack.queryKey({ workspaceSlug: slug }) });
}

/** One connected (or disconnected) Slack team: its state, its channels and the Slack users linked to members. */
export function SlackInstallation({
  installation: i,
  installUrl,
  canManage,
}: {
  installation: Installation;
  installUrl: string;
  canManage: boolean;
}) {
  return (
    <section
      aria-label={`Slack workspace ${i.teamName}`}
      className="flex flex-col gap-3 border-t border-line pt-4 first:border-t-0 first:pt-0"
    >
      <div className="flex flex-wrap items-center justify-between gap-3 text-sm">
        <div>
          <div className="font-medium text-ink">{i.teamName}</div>
          <div className="text-ink-muted">
            {i.connected
              ? `Connected ${i.installedAt.toLocaleDateString()}`
              : `Disconnected ${i.disconnectedAt?.toLocaleDateString() ?? ""}: ${i.disconnectReason ?? ""}`}
          </div>
        </div>
        {canManage ? (
          <div className="flex gap-2">
            <a href={installUrl} className={buttonClasses({ variant: "secondary" })}>
              {i.connected ? "Reinstall" : "Reconnect"}
            </a>
            {i.connected ? <DisconnectButton installation={i} /> : null}
          </div>
        ) : null}
      </div>
      <Channels channels={i.channels} canManage={canManage && i.connected} />
      {i.users.length > 0 ? <Users users={i.users} canManage={canManage} /> : null}
    </section>
  );
}

function DisconnectButton({ installation }: { installation: Installation }) {
  const trpc = useTRPC();
  const refresh = useRefresh();
  const { slug } = useWorkspace();
  const [open, setOpen] = useState(false);
  const disconnect = useMutation(
    trpc.integration.disconnectSlack.mutationOptions({
      onSuccess: async () => {
        setOpen(false);
        await refresh();
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
        onConfirm={() => disconnect.mutate({ workspaceSlug: slug, installationId: installation.id })}
        title={`Disconnect ${installation.teamName}?`}
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

function Channels({ channels, canManage }: { channels: Installation["channels"]; canManage: boolean }) {
  const trpc = useTRPC();
  const refresh = useRefresh();
  const { slug } = useWorkspace();
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

function Users({ users, canManage }: { users: Installation["users"]; canManage: boolean }) {
  const trpc = useTRPC();
  const refresh = useRefresh();
  const { slug } = useWorkspace();
  const unlink = useMutation(trpc.integration.unlinkSlackUser.mutationOptions({ onSuccess: refresh }));
  return (
    <Table>
      <TableHead>
        <TableRow>
          <TableHeaderCell>Slack user</TableHeaderCell>
          <TableHeaderCell>Acts as</TableHeaderCell>
          <TableHeaderCell>Matched by</TableHeaderCell>
          {canManage ? <TableHeaderCell className="sr-only">Actions</TableHeaderCell> : null}
        </TableRow>
      </TableHead>
      <TableBody>
        {users.map((u) => (
          <TableRow key={u.id}>
            <TableCell className="font-mono text-[13px]">{u.slackUserId}</TableCell>
            <TableCell>{u.email}</TableCell>
            <TableCell>{u.linkedVia === "email" ? "Verified email" : "Link code"}</TableCell>
            {canManage ? (
              <TableCell className="text-right">
                <Button
                  size="sm"
                  variant="ghost"
                  disabled={unlink.isPending}
                  onClick={() => unlink.mutate({ workspaceSlug: slug, linkId: u.id })}
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
