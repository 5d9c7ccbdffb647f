import type { Metadata } from "next";
import { requireUser } from "@/app/_lib/session";
import { MembersView } from "./_components/members-view";

export const metadata: Metadata = { title: "Members" };

export default async function MembersPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  // The workspace context has the role but not who we are; "(you)" needs the session's user id.
  const user = await requireUser(`/w/${slug}/settings/members`);
  return <MembersView currentUserId={user.id} />;
}
