import type { ReactNode } from "react";
import { IconGlobe, IconKey, IconMessage, type Icon } from "@/app/_components/ui";
import { SectionHeading } from "./section-heading";

/** The channels that exist today; another joins this list when its integration ships. */
const channels: { name: string; trigger: ReactNode; icon: Icon }[] = [
  { name: "Slack", trigger: <>A slash command or a mention in a thread</>, icon: IconMessage },
  { name: "Web app", trigger: <>The New task form in the dashboard</>, icon: IconGlobe },
  { name: "REST API", trigger: <>A script or service with a workspace API key</>, icon: IconKey },
];

export function Channels() {
  return (
    <section aria-labelledby="channels-title" className="border-b border-line bg-canvas">
      <div className="mx-auto max-w-6xl px-5 py-14 sm:px-8">
        <h2 id="channels-title" className="text-center text-sm font-medium text-ink-muted">
          Requests start wherever your team already works
        </h2>
        <ul className="mx-auto mt-8 grid max-w-3xl gap-3 sm:grid-cols-3">
          {channels.map((channel) => (
            <li key={channel.name} className="flex flex-col gap-3 rounded-xl border border-line bg-surface p-4 shadow-card">
              <span className="flex size-9 items-center justify-center rounded-lg bg-accent-50 text-accent-600">
                <channel.icon size={18} />
              </span>
              <div>
                <p className="text-sm font-semibold text-ink">{channel.name}</p>
                <p className="mt-1 text-[13px] leading-5 text-ink-muted">{channel.trigger}</p>
              </div>
            </li>
          ))}
        </ul>
      </div>
    </section>
  );
}

/* ------------------------------------------------------------------------------------------------ */

const steps = [
  {
    title: "Ask where you work",
    body: "Jace verifies the request's signature, finds the workspace and project, reserves quota and records a task. Duplicate deliveries are ignored; bad input gets a clear answer in the same channel.",
  },
  {
    title: "Jace turns it into a pipeline",
    body: "Analyze, plan, approve, execute, deliver. Each stage is a durable step, so a restart or a deploy mid-task resumes where it stopped instead of starting over.",
  },
  {
    title: "Your GPUs do the work",
    body: "Jobs go to a runner your workspace enrolled whose model, VRAM and labels fit. Logs and tokens stream back live; if a runner drops, the job moves to another.",
  },
  {
    title: "Results come back where they started",
    body: "A reply in the Slack thread, the task's page in the dashboard, or the API's task resource. The cost, the plan and every log line stay one click away.",
  },
];

const stages = [
  { name: "Analyze", detail: "Parse the command; classify with a model only when needed" },
  { name: "Plan", detail: "Steps as structured output you can read before anything runs" },
  { name: "Approve", detail: "Waits for a person when the project or task requires it" },
  { name: "Execute", detail: "One or more runner jobs: inference or sandboxed commands" },
  { name: "Deliver", detail: "Answer on the original channel, usage and cost recorded" },
];

export function HowItWorks() {
  return (
    <section id="how-it-works" aria-labelledby="how-title" className="border-b border-line">
      <div className="mx-auto max-w-6xl px-5 py-20 sm:px-8 sm:py-28">
        <SectionHeading id="how-title" eyebrow="How it works" title="From a message to a finished job">
          Jace is a task pipeline with a chat interface. Every request takes the same observable path, whichever channel it came from.
        </SectionHeading>

        <ol className="mt-14 grid gap-8 md:grid-cols-2 lg:grid-cols-4 lg:gap-6">
          {steps.map((step, index) => (
            <li key={step.title} className="relative">
              <div className="flex items-center gap-3">
                <span className="flex size-8 shrink-0 items-center justify-center rounded-full bg-accent-600 text-sm font-semibold text-white">
                  {index + 1}
                </span>
                {index < steps.length - 1 ? <span aria-hidden="true" className="hidden h-px flex-1 bg-line-strong lg:block" /> : null}
              </div>
              <h3 className="mt-5 text-base font-semibold text-ink">{step.title}</h3>
              <p className="mt-2 text-sm leading-6 text-ink-muted">{step.body}</p>
            </li>
          ))}
        </ol>

        <div className="mt-16 rounded-2xl border border-line bg-canvas p-2">
          <p className="px-4 pt-3 pb-2 text-[13px] font-medium text-ink-subtle">The pipeline every task runs</p>
          <ol className="grid gap-2 sm:grid-cols-2 lg:grid-cols-5">
            {stages.map((stage, index) => (
              <li key={stage.name} className="relative flex flex-col gap-1.5 rounded-xl border border-line bg-surface p-4 shadow-card">
                <span className="flex items-center gap-2 text-sm font-semibold text-ink">
                  <span className="font-mono text-xs text-accent-600">{String(index + 1).padStart(2, "0")}</span>
                  {stage.name}
                </span>
                <span className="text-[13px] leading-5 text-ink-muted">{stage.detail}</span>
              </li>
            ))}
          </ol>
        </div>
      </div>
    </section>
  );
}
