"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import type { ReactNode } from "react";
import { cx } from "./cx";

export type TabsNavItem = {
  href: string;
  label: ReactNode;
  /** A count shown after the label, e.g. pending approvals. */
  count?: number;
  /** Only the exact path is current (use for an index tab). Otherwise nested paths match too. */
  exact?: boolean;
};

export type TabsNavProps = {
  items: TabsNavItem[];
  /** Accessible name of the navigation, e.g. "Project sections". */
  label: string;
  className?: string;
};

/** Route tabs: links styled as tabs, the current one marked aria-current="page". */
export function TabsNav({ items, label, className }: TabsNavProps) {
  const pathname = usePathname();
  return (
    <nav aria-label={label} className={cx("border-b border-line", className)}>
      <ul className="-mb-px flex gap-5 overflow-x-auto">
        {items.map((item) => {
          const current = item.exact ? pathname === item.href : pathname === item.href || pathname.startsWith(`${item.href}/`);
          return (
            <li key={item.href} className="shrink-0">
              <Link
                href={item.href}
                aria-current={current ? "page" : undefined}
                className={cx(
                  "flex h-10 items-center gap-2 border-b-2 text-sm font-medium transition-colors",
                  current ? "border-accent-600 text-ink" : "border-transparent text-ink-subtle hover:border-line-strong hover:text-ink",
                )}
              >
                {item.label}
                {item.count !== undefined ? (
                  <span
                    className={cx(
                      "rounded-full px-1.5 text-xs leading-5 tabular-nums",
                      current ? "bg-accent-50 text-accent-700" : "bg-zinc-100 text-ink-subtle",
                    )}
                  >
                    {item.count}
                  </span>
                ) : null}
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
