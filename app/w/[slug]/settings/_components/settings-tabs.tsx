"use client";
import { TabsNav, type TabsNavItem } from "@/app/_components/ui";
import { useWorkspace } from "../../_components/workspace-context";

/** Tabs the role cannot use are not shown; their pages still explain themselves if opened directly. */
export function SettingsTabs({ slug, className }: { slug: string; className?: string }) {
  const { can } = useWorkspace();
  const base = `/w/${slug}/settings`;
  const items: TabsNavItem[] = [
    { href: base, label: "General", exact: true },
    { href: `${base}/members`, label: "Members" },
    { href: `${base}/ai-providers`, label: "AI providers" },
    ...(can("apiKeys.manage") ? [{ href: `${base}/api-keys`, label: "API keys" }] : []),
    ...(can("audit.read") ? [{ href: `${base}/audit`, label: "Audit log" }] : []),
  ];
  return <TabsNav items={items} label="Settings sections" className={className} />;
}
