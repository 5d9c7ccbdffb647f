"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import {
  Alert,
  Badge,
  Button,
  Card,
  CardHeader,
  ConfirmDialog,
  LoadError,
  Skeleton,
  Table,
  TableBody,
  TableCaption,
  TableCell,
  TableHead,
  TableHeaderCell,
  TableRow,
} from "@/app/_components/ui";
import { useTRPC, type RouterOutputs } from "@/app/_lib/trpc";
import { useWorkspace } from "../../../_components/workspace-context";
import { formatDate, formatRelative } from "../../_components/format";
import { roleLabels } from "./roles";

type Invitation = RouterOutputs["member"]["invitations"][number];
type Notice = { tone: "success" | "danger"; text: string };

export function PendingInvitations() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { slug } = useWorkspace();
  const invitations = useQuery(trpc.member.invitations.queryOptions({ workspaceSlug: slug }));
  const [revoking, setRevoking] = useState<Invitation | null>(null);
  const [notice, setNotice] = useState<Notice | null>(null);

  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.member.invitations.queryKey() });
  const revoke = useMutation(
    trpc.member.revokeInvitation.mutationOptions({
      onSuccess: async () => {
        setNotice({
          tone: "success",
          text: `The invitation for ${revoking?.email ?? "that address"} was revoked; its link no longer works.`,
        });
        setRevoking(null);
        await refresh();
      },
    }),
  );
  // Inviting the same address again replaces the pending invitation with a fresh 7-day link.
  const resend = useMutation(
    trpc.member.invite.mutationOptions({
      onMutate: () => setNotice(null),
      onSuccess: async (_data, input) => {
        setNotice({ tone: "success", text: `A new invitation was sent to ${input.email}.` });
        await refresh();
      },
      onError: (error) => setNotice({ tone: "danger", text: error.message }),
    }),
  );

  return (
    <Card>
      <CardHeader
        title="Pending invitations"
        description="Invitations that have not been accepted yet."
        actions={invitations.data && invitations.data.length > 0 ? <Badge>{invitations.data.length}</Badge> : null}
      />
      {notice ? (
        <div className="border-b border-line px-5 py-3">
          <Alert
            tone={notice.tone}
            action={
              <Button size="sm" variant="ghost" onClick={() => setNotice(null)}>
                Dismiss
              </Button>
            }
          >
            {notice.text}
          </Alert>
        </div>
      ) : null}
      {invitations.isPending ? (
        <div aria-busy="true" aria-label="Loading invitations" className="flex items-center gap-4 px-5 py-4">
          <Skeleton className="h-4 w-48" />
          <Skeleton className="ml-auto h-4 w-24" />
        </div>
      ) : invitations.isError ? (
        <div className="p-5">
          <LoadError what="invitations" error={invitations.error} onRetry={() => invitations.refetch()} />
        </div>
      ) : invitations.data.length === 0 ? (
        <p className="px-5 py-6 text-center text-sm text-ink-muted">
          No pending invitations. Invite someone above and they will show here until they join.
        </p>
      ) : (
        <Table bordered={false}>
          <TableCaption>Pending invitations</TableCaption>
          <TableHead>
            <tr>
              <TableHeaderCell>Email</TableHeaderCell>
              <TableHeaderCell>Role</TableHeaderCell>
              <TableHeaderCell>Sent</TableHeaderCell>
              <TableHeaderCell>Expires</TableHeaderCell>
              <TableHeaderCell className="relative text-right">
                <span className="sr-only">Actions</span>
              </TableHeaderCell>
            </tr>
          </TableHead>
          <TableBody>
            {invitations.data.map((inv) => {
              const resending = resend.isPending && resend.variables.email === inv.email;
              return (
                <TableRow key={inv.id} data-testid="invitation-row">
                  <TableCell className="font-medium">{inv.email}</TableCell>
                  <TableCell>
                    <Badge>{roleLabels[inv.role]}</Badge>
                  </TableCell>
                  <TableCell className="whitespace-nowrap text-[13px] text-ink-muted">{formatDate(inv.createdAt)}</TableCell>
                  <TableCell className="whitespace-nowrap text-[13px]">
                    {inv.expired ? (
                      <Badge tone="warning">Expired</Badge>
                    ) : (
                      <span className="text-ink-muted" title={formatDate(inv.expiresAt)}>
                        {formatRelative(inv.expiresAt)}
                      </span>
                    )}
                  </TableCell>
                  <TableCell className="text-right whitespace-nowrap">
                    <div className="flex justify-end gap-1">
                      <Button
                        size="sm"
                        variant="ghost"
                        loading={resending}
                        disabled={resend.isPending}
                        // One resend per pending invitation: its id names the instance (a resend replaces it).
                        onClick={() =>
                          resend.mutate({ workspaceSlug: slug, email: inv.email, role: inv.role, idempotencyKey: `resend-${inv.id}` })
                        }
                        aria-label={`Resend invitation to ${inv.email}`}
                      >
                        Resend
                      </Button>
                      <Button
                        size="sm"
                        variant="ghost"
                        onClick={() => {
                          revoke.reset();
                          setRevoking(inv);
                        }}
                        aria-label={`Revoke invitation for ${inv.email}`}
                      >
                        Revoke
                      </Button>
                    </div>
                  </TableCell>
                </TableRow>
              );
            })}
          </TableBody>
        </Table>
      )}
      <ConfirmDialog
        open={revoking !== null}
        onClose={() => setRevoking(null)}
        onConfirm={() => revoking && revoke.mutate({ workspaceSlug: slug, invitationId: revoking.id })}
        loading={revoke.isPending}
        tone="danger"
        title="Revoke this invitation?"
        description={`The link sent to ${revoking?.email ?? "this address"} stops working. You can invite them again later.`}
        confirmLabel="Revoke invitation"
      >
        {revoke.error ? <Alert tone="danger">{revoke.error.message}</Alert> : null}
      </ConfirmDialog>
    </Card>
  );
}
