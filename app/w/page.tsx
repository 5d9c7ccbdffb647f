import { redirect } from "next/navigation";
import { requireUser } from "@/app/_lib/session";
import { api } from "@/server/api/server-caller";

/** /w sends people to their first workspace, or to create one. */
export default async function WorkspacesIndex() {
  await requireUser("/w");
  const workspaces = await (await api()).workspace.list();
  redirect(workspaces[0] ? `/w/${workspaces[0].slug}` : "/onboarding");
}
