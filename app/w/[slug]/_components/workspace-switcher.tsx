import Link from "next/link";
import { Badge, IconCheck, IconChevronDown, IconPlus } from "@/app/_components/ui";
import type { WorkspaceSummary } from "@/server/features/workspaces/schemas";

/** A <details> menu: keyboard accessible and works before hydration. */
export function WorkspaceSwitcher({ current, workspaces }: { current: WorkspaceSummary; workspaces: WorkspaceSummary[] }) {
  return (
    <details className="group relative">
      <summary
        className="flex cursor-pointer list-none items-center gap-2.5 rounded-lg px-2 py-2 outline-none hover:bg-zinc-100 focus-visible:ring-2 focus-visible:ring-accent-500 [&::-webkit-details-marker]:hidden"
        aria-label={`Workspace: ${current.name}. Switch workspace`}
      >
        <span className="flex size-8 shrink-0 items-center justify-center rounded-lg bg-accent-600 text-sm font-semibold text-white">
          {current.name.slice(0, 1).toUpperCase()}
        </span>
        <span className="min-w-0 flex-1">
          <span className="block truncate text-sm font-semibold">{current.name}</span>
          <span className="block truncate text-xs capitalize text-ink-muted">
            {current.plan} plan · {current.role}
          </span>
        </span>
        <IconChevronDown className="size-4 text-ink-muted transition-transform group-open:rotate-180" />
      </summary>
      <div className="absolute inset-x-0 top-full z-30 mt-1 rounded-xl border border-zinc-200 bg-white p-1 shadow-lg">
        <p className="px-2.5 py-1.5 text-xs font-medium text-ink-muted">Your workspaces</p>
        {workspaces.map((w) => (
          <Link
            key={w.id}
            href={`/w/${w.slug}`}
            className="flex items-center gap-2 rounded-lg px-2.5 py-2 text-sm hover:bg-zinc-100 focus-visible:bg-zinc-100 focus-visible:outline-none"
          >
            <span className="min-w-0 flex-1 truncate">{w.name}</span>
            <Badge className="capitalize">{w.role}</Badge>
            {w.id === current.id ? <IconCheck className="size-4 text-accent-600" aria-label="current" /> : null}
          </Link>
        ))}
        <div className="my-1 h-px bg-zinc-100" />
        <Link
          href="/onboarding"
          className="flex items-center gap-2 rounded-lg px-2.5 py-2 text-sm text-ink-muted hover:bg-zinc-100 hover:text-ink focus-visible:bg-zinc-100 focus-visible:outline-none"
        >
          <IconPlus className="size-4" /> Create workspace
        </Link>
      </div>
    </details>
  );
}
