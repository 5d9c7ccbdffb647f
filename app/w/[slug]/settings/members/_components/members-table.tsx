"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState } from "react";
import {
  Alert,
  Badge,
  Button,
  Card,
  CardHeader,
  ConfirmDialog,
  LoadError,
  Select,
  Skeleton,
  type SelectOption,
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
import { formatDate } from "../../_components/format";
import { roleLabels, roleOptions, roleWithArticle, type Role } from "./roles";

type Member = RouterOutputs["member"]["list"][number];
type Notice = { tone: "success" | "danger"; text: string };

export function MembersTable({ currentUserId }: { currentUserId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const { slug, role: myRole, can } = useWorkspace();
  const canManage = can("members.manage");
  const members = useQuery(trpc.member.list.queryOptions({ workspaceSlug: slug }));
  const [removing, setRemoving] = useState<Member | null>(null);
  const [notice, setNotice] = useState<Notice | null>(null);

  const changeRole = useMutation(
    trpc.member.changeRole.mutationOptions({
      onMutate: () => setNotice(null),
      onSuccess: async (_data, input) => {
        const m = members.data?.find((x) => x.membershipId === input.membershipId);
        setNotice({ tone: "success", text: `${m ? displayName(m) : "The member"} is now ${roleWithArticle[input.role]}.` });
        await queryClient.invalidateQueries({ queryKey: trpc.member.list.queryKey() });
        // Overview counts and the layout's role are server-rendered.
        router.refresh();
      },
      onError: (error) => setNotice({ tone: "danger", text: error.message }),
    }),
  );
  const remove = useMutation(
    trpc.member.remove.mutationOptions({
      onSuccess: async () => {
        setNotice({ tone: "success", text: `${removing ? displayName(removing) : "The member"} was removed from the workspace.` });
        setRemoving(null);
        await queryClient.invalidateQueries({ queryKey: trpc.member.list.queryKey() });
      },
    }),
  );

  const pendingRoleFor = changeRole.isPending ? changeRole.variables : undefined;

  return (
    <Card>
      <CardHeader
        title="Members"
        description={
          canManage ? "Change what people can do, or remove them." : "People in this workspace. Admins manage roles and invitations."
        }
        actions={members.data ? <Badge>{members.data.length}</Badge> : null}
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
      {members.isPending ? (
        <div aria-busy="true" aria-label="Loading members" className="divide-y divide-line">
          {[0, 1, 2].map((i) => (
            <div key={i} className="flex items-center gap-4 px-5 py-3.5">
              <Skeleton className="size-8 rounded-full" />
              <Skeleton className="h-4 w-40" />
              <Skeleton className="ml-auto h-4 w-24" />
            </div>
          ))}
        </div>
      ) : members.isError ? (
        <div className="p-5">
          <LoadError what="members" error={members.error} onRetry={() => members.refetch()} />
        </div>
      ) : (
        <Table bordered={false}>
          <TableCaption>Members of this workspace</TableCaption>
          <TableHead>
            <tr>
              <TableHeaderCell>Name</TableHeaderCell>
              <TableHeaderCell>Email</TableHeaderCell>
              <TableHeaderCell>Role</TableHeaderCell>
              <TableHeaderCell>Joined</TableHeaderCell>
              {canManage ? (
                <TableHeaderCell className="relative text-right">
                  <span className="sr-only">Actions</span>
                </TableHeaderCell>
              ) : null}
            </tr>
          </TableHead>
          <TableBody>
            {members.data.map((m) => {
              const isMe = m.userId === currentUserId;
              // Admins cannot touch owners; nobody changes their own role here (Leave workspace is in General).
              const editable = canManage && !isMe && (m.role !== "owner" || myRole === "owner");
              const pending = pendingRoleFor?.membershipId === m.membershipId;
              return (
                <TableRow key={m.membershipId} data-testid="member-row">
                  <TableCell>
                    <div className="flex items-center gap-3">
                      <span
                        className="flex size-8 shrink-0 items-center justify-center rounded-full bg-zinc-200 text-xs font-semibold text-zinc-700"
                        aria-hidden
                      >
                        {displayName(m).slice(0, 1).toUpperCase()}
                      </span>
                      <span className="font-medium">
                        {m.name ?? <span className="text-ink-muted">{m.email.split("@")[0]}</span>}
                        {isMe ? <span className="ml-1.5 font-normal text-ink-subtle">(you)</span> : null}
                      </span>
                    </div>
                  </TableCell>
                  <TableCell className="text-ink-muted">{m.email}</TableCell>
                  <TableCell>
                    {editable ? (
                      <RoleCell
                        key={`${m.membershipId}:${m.role}`}
                        name={displayName(m)}
                        role={m.role}
                        options={roleOptions(myRole)}
                        saving={pending}
                        disabled={changeRole.isPending}
                        onSave={(role) => changeRole.mutate({ workspaceSlug: slug, membershipId: m.membershipId, role })}
                      />
                    ) : (
                      <Badge tone={m.role === "owner" ? "accent" : "neutral"}>{roleLabels[m.role]}</Badge>
                    )}
                  </TableCell>
                  <TableCell className="whitespace-nowrap text-[13px] text-ink-muted">{formatDate(m.joinedAt)}</TableCell>
                  {canManage ? (
                    <TableCell className="text-right">
                      {editable ? (
                        <Button
                          size="sm"
                          variant="ghost"
                          onClick={() => {
                            remove.reset();
                            setRemoving(m);
                          }}
                          aria-label={`Remove ${displayName(m)}`}
                        >
                          Remove
                        </Button>
                      ) : null}
                    </TableCell>
                  ) : null}
                </TableRow>
              );
            })}
          </TableBody>
        </Table>
      )}
      <ConfirmDialog
        open={removing !== null}
        onClose={() => setRemoving(null)}
        onConfirm={() => removing && remove.mutate({ workspaceSlug: slug, membershipId: removing.membershipId })}
        loading={remove.isPending}
        tone="danger"
        title={`Remove ${removing ? displayName(removing) : "member"}?`}
        description={`${removing?.email ?? "They"} will lose access to this workspace right away. You can invite them again later.`}
        confirmLabel="Remove member"
      >
        {remove.error ? <Alert tone="danger">{remove.error.message}</Alert> : null}
      </ConfirmDialog>
    </Card>
  );
}

function displayName(m: Member): string {
  return m.name ?? m.email;
}

/**
 * A role picker with an explicit Save: changing a native select with the arrow keys fires a change
 * per step, so saving on change would send a role change for every option passed on the way.
 * Keyed by the saved role, so it resets when the server's value changes.
 */
function RoleCell({
  name,
  role,
  options,
  saving,
  disabled,
  onSave,
}: {
  name: string;
  role: Role;
  options: SelectOption[];
  saving: boolean;
  disabled: boolean;
  onSave: (role: Role) => void;
}) {
  const [draft, setDraft] = useState<Role>(role);
  return (
    <div className="flex items-center gap-2">
      <Select
        label={`Role of ${name}`}
        hideLabel
        value={draft}
        onChange={(e) => setDraft(e.target.value as Role)}
        options={options}
        disabled={saving}
        className="h-8"
        containerClassName="w-32"
      />
      {draft !== role ? (
        <Button size="sm" loading={saving} disabled={disabled} onClick={() => onSave(draft)} aria-label={`Save role of ${name}`}>
          Save
        </Button>
      ) : null}
    </div>
  );
}
