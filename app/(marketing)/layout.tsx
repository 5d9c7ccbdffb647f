import Link from "next/link";
import type { ReactNode } from "react";
import { Button, Logo } from "@/app/_components/ui";

const sections = [
  { href: "/#how-it-works", label: "How it works" },
  { href: "/#features", label: "Features" },
  { href: "/#runners", label: "Runners" },
  { href: "/#cost", label: "Cost" },
];

export default function MarketingLayout({ children }: { children: ReactNode }) {
  return (
    <div className="flex min-h-dvh flex-col bg-surface">
      <a
        href="#main"
        className="sr-only z-50 rounded-md bg-surface px-3 py-2 text-sm font-medium shadow-overlay focus:not-sr-only focus:fixed focus:top-3 focus:left-3"
      >
        Skip to content
      </a>
      <header className="sticky top-0 z-40 border-b border-line/80 bg-surface/85 backdrop-blur-md">
        <div className="mx-auto flex h-16 max-w-6xl items-center gap-8 px-5 sm:px-8">
          <Link href="/" aria-label="Jace home" className="rounded-lg">
            <Logo size={28} />
          </Link>
          <nav aria-label="Main" className="hidden md:block">
            <ul className="flex items-center gap-1">
              {sections.map((section) => (
                <li key={section.href}>
                  <Link
                    href={section.href}
                    className="rounded-md px-3 py-2 text-sm font-medium text-ink-muted transition-colors hover:text-ink"
                  >
                    {section.label}
                  </Link>
                </li>
              ))}
            </ul>
          </nav>
          <div className="ml-auto flex items-center gap-2">
            <Button href="/signin" variant="ghost" size="sm" className="hidden sm:inline-flex">
              Sign in
            </Button>
            <Button href="/signin" size="sm">
              Get started
            </Button>
          </div>
        </div>
      </header>

      <main id="main" className="flex-1">
        {children}
      </main>

      <footer className="border-t border-line bg-canvas">
        <div className="mx-auto grid max-w-6xl grid-cols-2 gap-10 px-5 py-12 sm:px-8 md:grid-cols-[1fr_auto_auto] md:gap-16">
          <div className="col-span-2 max-w-sm md:col-span-1">
            <Logo size={24} />
            <p className="mt-3 text-sm leading-6 text-ink-muted">
              A small AI agency you control from Slack. Local models first, every cent accounted for, nothing runs without the approvals you
              ask for.
            </p>
          </div>
          <nav aria-label="Product">
            <h2 className="text-[13px] font-semibold text-ink">Product</h2>
            <ul className="mt-3 space-y-2 text-sm">
              {sections.map((section) => (
                <li key={section.href}>
                  <Link href={section.href} className="text-ink-muted hover:text-ink">
                    {section.label}
                  </Link>
                </li>
              ))}
            </ul>
          </nav>
          <nav aria-label="Account">
            <h2 className="text-[13px] font-semibold text-ink">Account</h2>
            <ul className="mt-3 space-y-2 text-sm">
              <li>
                <Link href="/signin" className="text-ink-muted hover:text-ink">
                  Sign in
                </Link>
              </li>
              <li>
                <Link href="/signin" className="text-ink-muted hover:text-ink">
                  Create a workspace
                </Link>
              </li>
            </ul>
          </nav>
        </div>
        <div className="border-t border-line">
          <p className="mx-auto max-w-6xl px-5 py-5 text-[13px] text-ink-subtle sm:px-8">
            Jace runs your AI work on hardware you control. Cloud models are used only when you allow them, within the budget you set.
          </p>
        </div>
      </footer>
    </div>
  );
}
