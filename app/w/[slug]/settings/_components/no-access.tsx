import { EmptyState, IconLock } from "@/app/_components/ui";

/** Shown when a settings page is opened by a role that cannot use it (its tab is hidden). */
export function NoAccess({ what }: { what: string }) {
  return (
    <EmptyState
      icon={<IconLock size={20} />}
      title="Admins only"
      description={`Only workspace admins and owners can ${what}. Ask one of them if you need this.`}
    />
  );
}
