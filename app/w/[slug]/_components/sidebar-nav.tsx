"use client";
import Link from "next/link";
import { usePathname } from "next/navigation";
import { cx, IconBilling, IconHome, IconIntegrations, IconProjects, IconRunners, IconSettings, IconTasks } from "@/app/_components/ui";

const items = [
  { href: "", label: "Overview", Icon: IconHome, exact: true },
  { href: "/tasks", label: "Tasks", Icon: IconTasks },
  { href: "/projects", label: "Projects", Icon: IconProjects },
  { href: "/runners", label: "Runners", Icon: IconRunners },
  { href: "/integrations", label: "Integrations", Icon: IconIntegrations },
  { href: "/billing", label: "Usage & billing", Icon: IconBilling },
  { href: "/settings", label: "Settings", Icon: IconSettings },
];

export function SidebarNav({ slug }: { slug: string }) {
  const pathname = usePathname();
  const base = `/w/${slug}`;
  return (
    <nav aria-label="Workspace" className="flex flex-col gap-0.5">
      {items.map(({ href, label, Icon, exact }) => {
        const target = base + href;
        const active = exact ? pathname === target : pathname === target || pathname.startsWith(`${target}/`);
        return (
          <Link
            key={label}
            href={target}
            aria-current={active ? "page" : undefined}
            className={cx(
              "flex items-center gap-2.5 rounded-lg px-2.5 py-2 text-sm font-medium outline-none transition-colors focus-visible:ring-2 focus-visible:ring-accent-500",
              active ? "bg-white text-ink shadow-sm ring-1 ring-zinc-200" : "text-ink-muted hover:bg-zinc-100 hover:text-ink",
            )}
          >
            <Icon className={cx("size-4", active ? "text-accent-600" : "")} />
            {label}
          </Link>
        );
      })}
    </nav>
  );
}
