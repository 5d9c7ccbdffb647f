import { Badge, Button, IconArrowRight, IconCheck, IconCpu, IconGauge, Logo, Spinner } from "@/app/_components/ui";

export function Hero() {
  return (
    <section className="relative overflow-hidden border-b border-line">
      <div
        aria-hidden="true"
        className="pointer-events-none absolute inset-0 bg-[radial-gradient(60rem_30rem_at_70%_-10%,var(--color-accent-100),transparent_70%)]"
      />
      <div
        aria-hidden="true"
        className="pointer-events-none absolute inset-0 bg-[linear-gradient(to_right,var(--color-line)_1px,transparent_1px),linear-gradient(to_bottom,var(--color-line)_1px,transparent_1px)] bg-[size:56px_56px] opacity-40 [mask-image:radial-gradient(ellipse_at_top,black_30%,transparent_75%)]"
      />
      <div className="relative mx-auto grid max-w-6xl grid-cols-1 items-center gap-14 px-5 pt-14 pb-20 sm:px-8 sm:pt-24 lg:grid-cols-[1.15fr_1fr] lg:gap-12 lg:pb-28">
        <div>
          <Badge tone="accent" className="h-7 px-3 text-[13px]">
            Local models first · cloud only within budget
          </Badge>
          <h1 className="mt-6 text-[2.5rem] leading-[1.1] font-semibold tracking-tight text-balance text-ink sm:text-5xl lg:text-[3.25rem]">
            A small AI agency you control from Slack
          </h1>
          <p className="mt-6 max-w-xl text-lg leading-8 text-ink-muted">
            Hand Jace work where your team already talks:{" "}
            <code className="rounded bg-zinc-100 px-1.5 py-0.5 font-mono text-[0.9em] whitespace-nowrap text-ink">/jace test acme/api</code>{" "}
            in Slack, a form in the dashboard, a call to the REST API. Each request becomes a task you can approve, watch and replay,
            running on the GPUs you already own.
          </p>
          <div className="mt-9 flex flex-wrap items-center gap-3">
            <Button href="/signin" size="lg" trailingIcon={<IconArrowRight size={18} />}>
              Get started
            </Button>
            <Button href="/signin" size="lg" variant="secondary">
              Sign in
            </Button>
          </div>
          <ul className="mt-10 flex flex-wrap gap-x-6 gap-y-2 text-sm text-ink-muted">
            {["No inbound ports on your machines", "Approvals where you need them", "Every cent logged"].map((point) => (
              <li key={point} className="flex items-center gap-2">
                <IconCheck size={16} className="text-accent-600" />
                {point}
              </li>
            ))}
          </ul>
        </div>
        <HeroThread />
      </div>
    </section>
  );
}

type StepState = "done" | "running" | "waiting";

const heroSteps: { name: string; detail: string; state: StepState; time?: string }[] = [
  { name: "Analyze", detail: "Test run for acme/api, project Backend", state: "done", time: "0.2 s" },
  { name: "Plan", detail: "Install, run the suite, summarise failures", state: "done", time: "3.8 s" },
  { name: "Approve", detail: "Approved by Maria in this thread", state: "done" },
  { name: "Execute", detail: "npm test in a sandbox on maria-rtx2070", state: "running", time: "41 s" },
  { name: "Deliver", detail: "Reply here with results and logs", state: "waiting" },
];

function HeroThread() {
  return (
    <figure
      aria-label="Example: a test run requested in Slack and tracked by Jace"
      className="relative mx-auto w-full max-w-lg lg:mx-0 lg:justify-self-end"
    >
      <div
        aria-hidden="true"
        className="absolute -inset-4 -z-10 rounded-[1.75rem] bg-gradient-to-br from-accent-200/60 via-accent-50/40 to-transparent blur-2xl"
      />
      <div className="overflow-hidden rounded-2xl border border-line bg-surface shadow-overlay">
        <div className="flex items-center justify-between border-b border-line bg-subtle/70 px-4 py-2.5">
          <span className="text-[13px] font-semibold text-ink"># backend</span>
          <span className="text-xs text-ink-subtle">Slack thread</span>
        </div>
        <div className="space-y-5 p-5">
          <div className="flex gap-3">
            <span className="flex size-8 shrink-0 items-center justify-center rounded-lg bg-amber-100 text-xs font-semibold text-amber-800">
              MK
            </span>
            <div className="min-w-0">
              <p className="text-[13px]">
                <span className="font-semibold text-ink">Maria</span> <span className="text-ink-subtle">9:41</span>
              </p>
              <p className="mt-0.5 font-mono text-[13px] text-accent-700">/jace test acme/api</p>
            </div>
          </div>
          <div>
            <div className="flex items-center gap-3">
              <Logo size={32} wordmark={false} className="shrink-0" />
              <p className="text-[13px]">
                <span className="font-semibold text-ink">Jace</span>{" "}
                <span className="rounded bg-zinc-100 px-1 py-px text-[11px] font-medium text-ink-subtle">APP</span>{" "}
                <span className="text-ink-subtle">9:41</span>
              </p>
            </div>
            <div className="mt-2 sm:pl-11">
              <div className="rounded-xl border border-line">
                <div className="flex items-center justify-between gap-3 border-b border-line px-3.5 py-2.5">
                  <p className="truncate text-[13px] font-semibold text-ink">Task #1042 · Run tests for acme/api</p>
                  <Badge tone="info" dot pulse>
                    Running
                  </Badge>
                </div>
                <ol className="space-y-2.5 px-3.5 py-3">
                  {heroSteps.map((step) => (
                    <li key={step.name} className="flex items-start gap-2.5 text-[13px] leading-5">
                      <StepIcon state={step.state} />
                      <span className="w-16 shrink-0 font-medium text-ink">{step.name}</span>
                      <span className={step.state === "waiting" ? "min-w-0 flex-1 text-ink-subtle" : "min-w-0 flex-1 text-ink-muted"}>
                        {step.detail}
                      </span>
                      {step.time ? <span className="shrink-0 text-xs text-ink-subtle tabular-nums">{step.time}</span> : null}
                    </li>
                  ))}
                </ol>
                <div className="flex flex-wrap items-center gap-x-4 gap-y-1 border-t border-line bg-subtle/60 px-3.5 py-2.5 text-xs text-ink-muted">
                  <span className="flex items-center gap-1.5">
                    <IconCpu size={14} className="text-ink-subtle" /> RTX 2070 · qwen2.5-coder 7B
                  </span>
                  <span className="flex items-center gap-1.5">
                    <IconGauge size={14} className="text-ink-subtle" /> Cloud spend $0.00
                  </span>
                </div>
              </div>
            </div>
          </div>
        </div>
      </div>
      <figcaption className="sr-only">
        Maria asks for a test run in Slack. Jace analyses and plans it, waits for her approval, runs the tests on her own GPU runner, and
        will reply in the same thread.
      </figcaption>
    </figure>
  );
}

function StepIcon({ state }: { state: StepState }) {
  if (state === "done") {
    return (
      <span className="mt-0.5 flex size-4 shrink-0 items-center justify-center rounded-full bg-emerald-500 text-white">
        <IconCheck size={11} strokeWidth={3} />
      </span>
    );
  }
  if (state === "running") return <Spinner size={16} className="mt-0.5 text-sky-600" />;
  return <span className="mt-0.5 size-4 shrink-0 rounded-full border-2 border-dashed border-line-strong" />;
}
