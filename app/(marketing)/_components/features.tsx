import { IconActivity, IconCpu, IconGauge, IconLock, IconShield, IconUserCheck, type Icon } from "@/app/_components/ui";
import { SectionHeading } from "./section-heading";

const features: { title: string; body: string; icon: Icon }[] = [
  {
    title: "Local models first",
    body: "Inference runs with llama.cpp on your own runners. Cloud models are a fallback you allow per project, with our key or your workspace's own, and they only run while the budget has room.",
    icon: IconCpu,
  },
  {
    title: "Budgets that actually hold",
    body: "Spend is reserved before every cloud call and settled after it, so ten tasks running at once cannot overshoot a monthly limit. Plan quotas are enforced the same way.",
    icon: IconGauge,
  },
  {
    title: "Approvals where they matter",
    body: "Require sign-off for a project or a single task. Approve or reject from Slack buttons or the web; the pipeline waits, and times out cleanly if nobody answers.",
    icon: IconUserCheck,
  },
  {
    title: "Observable end to end",
    body: "Every task, step, model call, token and cent is recorded against the task. Follow it live in the dashboard, read the plan it made, and replay it from its id.",
    icon: IconActivity,
  },
  {
    title: "Runners behind NAT",
    body: "Runners dial out over one authenticated WebSocket. No inbound port, no VPN and no port forwarding for the PC under someone's desk or the box you rent by the hour.",
    icon: IconLock,
  },
  {
    title: "Tenancy and audit",
    body: "Workspaces with owner, admin, member and viewer roles; projects that keep clients and channels apart; an audit log of who approved, enrolled, revoked and changed what.",
    icon: IconShield,
  },
];

export function Features() {
  return (
    <section id="features" aria-labelledby="features-title" className="border-b border-line bg-canvas">
      <div className="mx-auto max-w-6xl px-5 py-20 sm:px-8 sm:py-28">
        <SectionHeading id="features-title" eyebrow="Features" title="Cheap to run, easy to watch, hard to misuse">
          The parts of an AI agency you would want if it were your money, your machines and your customers&apos; code.
        </SectionHeading>
        <ul className="mt-14 grid gap-px overflow-hidden rounded-2xl border border-line bg-line sm:grid-cols-2 lg:grid-cols-3">
          {features.map((feature) => (
            <li key={feature.title} className="bg-surface p-7">
              <span className="flex size-10 items-center justify-center rounded-lg bg-accent-50 text-accent-600 ring-1 ring-accent-100">
                <feature.icon size={20} />
              </span>
              <h3 className="mt-5 text-base font-semibold text-ink">{feature.title}</h3>
              <p className="mt-2 text-sm leading-6 text-ink-muted">{feature.body}</p>
            </li>
          ))}
        </ul>
      </div>
    </section>
  );
}
