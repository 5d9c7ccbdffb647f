"use client";
import { useWorkspace } from "../../../_components/workspace-context";
import { InviteForm } from "./invite-form";
import { MembersTable } from "./members-table";
import { PendingInvitations } from "./pending-invitations";

export function MembersView({ currentUserId }: { currentUserId: string }) {
  const { can } = useWorkspace();
  const canManage = can("members.manage");
  return (
    <div className="flex flex-col gap-6">
      {canManage ? <InviteForm /> : null}
      <MembersTable currentUserId={currentUserId} />
      {canManage ? <PendingInvitations /> : null}
    </div>
  );
}
