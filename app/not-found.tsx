import type { Metadata } from "next";
import Link from "next/link";
import { Button, IconArrowRight, Logo } from "@/app/_components/ui";

export const metadata: Metadata = { title: "Page not found" };

export default function NotFound() {
  return (
    <main className="flex min-h-dvh flex-col items-center justify-center px-6 py-16 text-center">
      <Link href="/" aria-label="Jace home" className="mb-10 rounded-lg">
        <Logo size={32} />
      </Link>
      <p className="text-sm font-semibold text-accent-600">404</p>
      <h1 className="mt-2 text-3xl font-semibold tracking-tight text-ink">Page not found</h1>
      <p className="mt-3 max-w-md text-[15px] leading-7 text-ink-muted">
        The address may be mistyped, or the task, project or runner it pointed to was deleted or belongs to a workspace you are not a member
        of.
      </p>
      <div className="mt-8 flex flex-wrap justify-center gap-3">
        <Button href="/" variant="secondary">
          Back to home
        </Button>
        <Button href="/signin" trailingIcon={<IconArrowRight />}>
          Go to your workspace
        </Button>
      </div>
    </main>
  );
}
