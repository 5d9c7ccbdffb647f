import { TRPCError } from "@trpc/server";
import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import type { ReactNode } from "react";
import { Logo } from "@/app/_components/ui";
import { requireUser } from "@/app/_lib/session";
import { api } from "@/server/api/server-caller";
import { SidebarNav } from "./_components/sidebar-nav";
import { UserMenu } from "./_components/user-menu";
import { WorkspaceProvider } from "./_components/workspace-context";
import { WorkspaceSwitcher } from "./_components/workspace-switcher";

export async function generateMetadata({ params }: { params: Promise<{ slug: string }> }): Promise<Metadata> {
  return { title: { template: `%s · ${(await params).slug} · Jace`, default: "Workspace" } };
}

export default async function WorkspaceLayout({ children, params }: { children: ReactNode; params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const user = await requireUser(`/w/${slug}`);
  const caller = await api();
  const workspace = await caller.workspace.get({ workspaceSlug: slug }).catch((error: unknown) => {
    if (error instanceof TRPCError && (error.code === "NOT_FOUND" || error.code === "BAD_REQUEST")) notFound();
    throw error;
  });
  const workspaces = await caller.workspace.list();

  return (
    <WorkspaceProvider value={{ id: workspace.id, slug: workspace.slug, name: workspace.name, plan: workspace.plan, role: workspace.role }}>
      <div className="min-h-dvh lg:grid lg:grid-cols-[256px_1fr]">
        <aside className="border-b border-zinc-200 bg-zinc-50/80 lg:sticky lg:top-0 lg:flex lg:h-dvh lg:flex-col lg:border-b-0 lg:border-r">
          <div className="flex items-center justify-between px-4 pt-4 lg:block">
            <Link
              href="/"
              aria-label="Jace home"
              className="inline-flex rounded-md outline-none focus-visible:ring-2 focus-visible:ring-accent-500"
            >
              <Logo size={24} />
            </Link>
          </div>
          <div className="px-2 pt-3">
            <WorkspaceSwitcher current={workspace} workspaces={workspaces} />
          </div>
          <div className="flex-1 overflow-y-auto px-2 py-3">
            <SidebarNav slug={workspace.slug} />
          </div>
          <div className="border-t border-zinc-200 px-2 py-2">
            <UserMenu email={user.email} name={user.name} />
          </div>
        </aside>
        <div className="min-w-0">
          <main className="mx-auto w-full max-w-5xl px-4 py-8 sm:px-8">{children}</main>
        </div>
      </div>
    </WorkspaceProvider>
  );
}
