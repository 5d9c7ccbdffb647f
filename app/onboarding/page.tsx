import type { Metadata } from "next";
import Link from "next/link";
import { Card, Logo } from "@/app/_components/ui";
import { requireUser } from "@/app/_lib/session";
import { CreateWorkspaceForm } from "./create-workspace-form";

export const metadata: Metadata = { title: "Create your workspace" };

export default async function OnboardingPage() {
  const user = await requireUser("/onboarding");
  return (
    <main className="flex min-h-dvh flex-col items-center justify-center px-4 py-12">
      <Link href="/" className="mb-8" aria-label="Jace home">
        <Logo />
      </Link>
      <Card className="w-full max-w-md p-6 sm:p-8">
        <p className="text-xs font-medium uppercase tracking-wide text-accent-700">Step 1 of 1</p>
        <h1 className="mt-1 text-xl font-semibold tracking-tight">Create your workspace</h1>
        <p className="mt-1 text-sm text-ink-muted">
          A workspace is your team&apos;s home in Jace: its members, projects, runners and integrations. Signed in as {user.email}.
        </p>
        <div className="mt-6">
          <CreateWorkspaceForm />
        </div>
      </Card>
    </main>
  );
}
