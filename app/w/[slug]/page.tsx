import type { Metadata } from "next";
import Link from "next/link";
import { Badge, Card, IconArrowRight, IconCheckCircle, IconClock, PageHeader, Stat } from "@/app/_components/ui";
import { api } from "@/server/api/server-caller";
import { onboardingSteps } from "./_components/onboarding-steps";

export const metadata: Metadata = { title: "Overview" };

export default async function OverviewPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const caller = await api();
  const [workspace, projects, members, runners, counts, slack] = await Promise.all([
    caller.workspace.get({ workspaceSlug: slug }),
    caller.project.list({ workspaceSlug: slug, includeArchived: false }),
    caller.member.list({ workspaceSlug: slug }),
    caller.runner.list({ workspaceSlug: slug, includeRevoked: false }),
    caller.task.counts({ workspaceSlug: slug }),
    caller.integration.slack({ workspaceSlug: slug }),
  ]);
  const steps = onboardingSteps({
    slug,
    projects: projects.length,
    members: members.length,
    runners: runners.length,
    tasks: Object.values(counts).reduce((a, b) => a + b, 0),
    slack: slack.configured ? { connected: slack.installations.some((i) => i.connected) } : null,
  });
  const done = steps.filter((s) => s.done).length;
  return (
    <>
      <PageHeader title={workspace.name} description="Your workspace at a glance." />
      <dl className="mt-8 grid gap-4 sm:grid-cols-3">
        <Card className="p-5">
          <Stat label="Projects" value={projects.length} hint="active" />
        </Card>
        <Card className="p-5">
          <Stat label="Members" value={members.length} />
        </Card>
        <Card className="p-5">
          <Stat
            label="Runners online"
            value={runners.filter((r) => r.status === "online" || r.status === "busy").length}
            hint={`of ${runners.length}`}
          />
        </Card>
      </dl>
      <Card className="mt-6">
        <div className="flex items-center justify-between border-b border-zinc-100 px-5 py-4">
          <div>
            <h2 className="font-semibold">Get started</h2>
            <p className="text-sm text-ink-muted">
              {done} of {steps.length} done
            </p>
          </div>
          <div
            className="h-2 w-40 overflow-hidden rounded-full bg-zinc-100"
            role="progressbar"
            aria-valuemin={0}
            aria-valuemax={steps.length}
            aria-valuenow={done}
          >
            <div className="h-full rounded-full bg-accent-600" style={{ width: `${(done / steps.length) * 100}%` }} />
          </div>
        </div>
        <ul className="divide-y divide-zinc-100">
          {steps.map((s) => (
            <li key={s.label}>
              <Link
                href={s.href}
                className="flex items-center gap-3 px-5 py-3.5 text-sm hover:bg-zinc-50 focus-visible:bg-zinc-50 focus-visible:outline-none"
              >
                {s.done ? <IconCheckCircle className="size-5 text-emerald-600" /> : <IconClock className="size-5 text-zinc-400" />}
                <span className={s.done ? "text-ink-muted line-through" : "font-medium"}>{s.label}</span>
                {s.done ? (
                  <Badge tone="success" className="ml-auto">
                    Done
                  </Badge>
                ) : (
                  <IconArrowRight className="ml-auto size-4 text-ink-muted" />
                )}
              </Link>
            </li>
          ))}
        </ul>
      </Card>
    </>
  );
}
