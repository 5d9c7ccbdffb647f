import type { ReactNode } from "react";
import {
  Badge,
  Button,
  IconActivity,
  IconArrowRight,
  IconBoard,
  IconCheck,
  IconCpu,
  IconGauge,
  IconGitBranch,
  IconGlobe,
  IconLock,
  IconMail,
  IconMessage,
  IconSend,
  IconShield,
  IconUserCheck,
  Logo,
  Spinner,
  type Icon,
} from "@/app/_components/ui";

// The landing page is static: no data, no client code. Illustrations are drawn in HTML so they
// stay sharp, accessible and in step with the real UI components.

export default function LandingPage() {
  return (
    <>
      <Hero />
      <Channels />
      <HowItWorks />
      <Features />
      <Runners />
      <Cost />
      <FinalCallToAction />
    </>
  );
}

function SectionHeading({ eyebrow, title, children, id }: { eyebrow: string; title: ReactNode; children?: ReactNode; id?: string }) {
  return (
    <div className="max-w-2xl">
      <p className="text-sm font-semibold text-accent-600">{eyebrow}</p>
      <h2 id={id} className="mt-2 text-3xl font-semibold tracking-tight text-balance text-ink sm:text-4xl">
        {title}
      </h2>
      {children ? <p className="mt-4 text-[17px] leading-8 text-ink-muted">{children}</p> : null}
    </div>
  );
}

/* ------------------------------------------------------------------------------------------------ */

function Hero() {
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
            in Slack, a label on a GitHub issue, an email titled PROD DOWN. Each request becomes a task you can approve, watch and replay,
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

/* ------------------------------------------------------------------------------------------------ */

const channels: { name: string; trigger: ReactNode; icon: Icon }[] = [
  { name: "Slack", trigger: <>A slash command or a mention in a thread</>, icon: IconMessage },
  { name: "GitHub", trigger: <>A label on an issue or pull request</>, icon: IconGitBranch },
  { name: "Gmail", trigger: <>A subject line such as PROD DOWN</>, icon: IconMail },
  { name: "Telegram", trigger: <>A message to your workspace&apos;s bot</>, icon: IconSend },
  { name: "Trello", trigger: <>A card added to a watched list</>, icon: IconBoard },
  { name: "Web and API", trigger: <>The dashboard or an API key</>, icon: IconGlobe },
];

function Channels() {
  return (
    <section aria-labelledby="channels-title" className="border-b border-line bg-canvas">
      <div className="mx-auto max-w-6xl px-5 py-14 sm:px-8">
        <h2 id="channels-title" className="text-center text-sm font-medium text-ink-muted">
          Requests start wherever your team already works
        </h2>
        <ul className="mt-8 grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-6">
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
    body: "A reply in the Slack thread, a comment on the pull request, a Telegram message, an email. The cost, the plan and every log line stay one click away.",
  },
];

const stages = [
  { name: "Analyze", detail: "Parse the command; classify with a model only when needed" },
  { name: "Plan", detail: "Steps as structured output you can read before anything runs" },
  { name: "Approve", detail: "Waits for a person when the project or task requires it" },
  { name: "Execute", detail: "One or more runner jobs: inference or sandboxed commands" },
  { name: "Deliver", detail: "Answer on the original channel, usage and cost recorded" },
];

function HowItWorks() {
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

/* ------------------------------------------------------------------------------------------------ */

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
    body: "Require sign-off for a project or a single task. Approve or reject from Slack buttons, Telegram or the web; the pipeline waits, and times out cleanly if nobody answers.",
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

function Features() {
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

/* ------------------------------------------------------------------------------------------------ */

const runnerPoints = [
  {
    title: "Enroll once with a one-time token",
    body: "The runner makes its own Ed25519 key pair and keeps the private key in a file only it can read. The token is dead after use.",
  },
  {
    title: "Every connection proves itself",
    body: "The server sends a nonce, the runner signs it. Revoke a runner in the dashboard and its socket closes on the spot.",
  },
  {
    title: "Jobs carry only what they need",
    body: "A GitHub token scoped to one repository that expires within the hour, never your workspace secrets or another tenant's data.",
  },
  {
    title: "Commands run in a throwaway sandbox",
    body: "Read-only system, no network unless the step needs it, no inherited environment, and CPU, memory and time limits.",
  },
];

function Runners() {
  return (
    <section id="runners" aria-labelledby="runners-title" className="border-b border-line">
      <div className="mx-auto max-w-6xl px-5 py-20 sm:px-8 sm:py-28">
        <SectionHeading id="runners-title" eyebrow="GPU runners" title="Turn the GPU under your desk into a private, metered worker">
          An RTX 2070 with 8 GB runs a capable 7B model. Jace schedules work onto it, keeps it honest, and can expose it to your team as an
          OpenAI-compatible endpoint behind a workspace API key.
        </SectionHeading>
        <div className="mt-14 grid grid-cols-1 items-start gap-12 lg:grid-cols-[1fr_1.1fr]">
          <dl className="grid gap-x-8 gap-y-6 sm:grid-cols-2 lg:grid-cols-1">
            {runnerPoints.map((point) => (
              <div key={point.title}>
                <dt className="flex items-start gap-2 text-sm font-semibold text-ink">
                  <IconCheck size={16} className="mt-0.5 shrink-0 text-accent-600" />
                  {point.title}
                </dt>
                <dd className="mt-1.5 pl-6 text-sm leading-6 text-ink-muted">{point.body}</dd>
              </div>
            ))}
          </dl>
          <Terminal />
        </div>
      </div>
    </section>
  );
}

function Terminal() {
  return (
    <figure aria-label="Example: enrolling and starting a runner" className="min-w-0">
      <div className="overflow-hidden rounded-2xl border border-zinc-800 bg-zinc-950 shadow-overlay">
        <div className="flex items-center gap-2 border-b border-white/10 px-4 py-3">
          <span className="size-2.5 rounded-full bg-zinc-700" />
          <span className="size-2.5 rounded-full bg-zinc-700" />
          <span className="size-2.5 rounded-full bg-zinc-700" />
          <span className="ml-2 text-xs text-zinc-400">maria@workstation: ~</span>
        </div>
        <pre className="overflow-x-auto p-5 font-mono text-[11.5px] leading-6 sm:text-[12.5px] text-zinc-300">
          <code>
            <span className="text-zinc-500">$ </span>
            <span className="text-white">
              jace-runner enroll --server https://jace.example.com \{"\n"}
              {"    "}--token jrt_••••••••••••
            </span>
            {"\n"}
            <span className="text-emerald-400">✓</span> Generated Ed25519 key pair{"\n"}
            <span className="text-emerald-400">✓</span> Found NVIDIA GeForce RTX 2070 (8 GB), 16 CPU, 32 GB RAM{"\n"}
            <span className="text-emerald-400">✓</span> Enrolled as <span className="text-accent-300">maria-rtx2070</span>
            {"\n\n"}
            <span className="text-zinc-500">$ </span>
            <span className="text-white">jace-runner start</span>
            {"\n"}
            <span className="text-sky-400">→</span> Connected over outbound wss, no inbound port{"\n"}
            <span className="text-sky-400">→</span> Models: qwen2.5-coder-7b-q4, llama-3.1-8b-q4{"\n"}
            <span className="text-sky-400">→</span> Job #1042/execute accepted{"\n"}
            <span className="text-zinc-500"> npm test · sandbox: bubblewrap, network off</span>
          </code>
        </pre>
      </div>
    </figure>
  );
}

/* ------------------------------------------------------------------------------------------------ */

const ledger = [
  { source: "Local runners", detail: "1,284 model calls · 6.2 GPU hours", cost: "$2.41" },
  { source: "Cloud fallback", detail: "37 calls, budget $25 per month", cost: "$3.12" },
  { source: "Sandboxed jobs", detail: "212 runs on your runners", cost: "$0.58" },
];

function Cost() {
  return (
    <section id="cost" aria-labelledby="cost-title" className="border-b border-line bg-canvas">
      <div className="mx-auto grid max-w-6xl grid-cols-1 items-center gap-14 px-5 py-20 sm:px-8 sm:py-28 lg:grid-cols-[1fr_1.05fr]">
        <div className="order-2 lg:order-1">
          <div className="rounded-2xl border border-line bg-surface shadow-card">
            <div className="flex items-center justify-between gap-3 border-b border-line px-5 py-4">
              <p className="text-sm font-semibold text-ink">Usage this month</p>
              <Badge>Illustrative figures</Badge>
            </div>
            <table className="w-full text-left text-sm">
              <caption className="sr-only">Illustrative monthly cost breakdown</caption>
              <thead className="sr-only">
                <tr>
                  <th scope="col">Source</th>
                  <th scope="col">Cost</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-line">
                {ledger.map((row) => (
                  <tr key={row.source}>
                    <td className="px-5 py-3.5">
                      <p className="font-medium text-ink">{row.source}</p>
                      <p className="text-[13px] text-ink-subtle">{row.detail}</p>
                    </td>
                    <td className="px-5 py-3.5 text-right font-medium text-ink tabular-nums">{row.cost}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <div className="grid grid-cols-2 gap-4 rounded-b-2xl border-t border-line bg-subtle/60 px-5 py-4">
              <div>
                <p className="text-[13px] text-ink-subtle">Total</p>
                <p className="text-xl font-semibold text-ink tabular-nums">$6.11</p>
              </div>
              <div>
                <p className="text-[13px] text-ink-subtle">Same work, cloud only</p>
                <p className="text-xl font-semibold text-ink tabular-nums">
                  $48.90 <span className="text-sm font-medium text-emerald-700">−88%</span>
                </p>
              </div>
            </div>
          </div>
        </div>
        <div className="order-1 lg:order-2">
          <SectionHeading id="cost-title" eyebrow="Cost control" title="Know what every task cost, to the cent">
            Each model call writes a ledger entry with model, tokens and price, so the usage page adds up instead of estimating, and shows
            what the same work would have cost on cloud models alone.
          </SectionHeading>
          <div className="mt-8 w-fit rounded-xl border border-line bg-surface px-6 py-5 font-mono text-[13px] leading-7 text-ink-muted shadow-card">
            <span className="font-semibold text-ink">C</span> = API calls × price
            <br />
            <span className="pl-4">+ local calls × energy price</span>
            <br />
            <span className="pl-4">+ GPU hours × hourly rate</span>
            <br />
            <span className="pl-4">+ base fee</span>
          </div>
        </div>
      </div>
    </section>
  );
}

/* ------------------------------------------------------------------------------------------------ */

function FinalCallToAction() {
  return (
    <section aria-labelledby="cta-title">
      <div className="mx-auto max-w-6xl px-5 py-20 sm:px-8 sm:py-24">
        <div className="relative overflow-hidden rounded-3xl bg-accent-950 px-6 py-14 text-center sm:px-12 sm:py-16">
          <div
            aria-hidden="true"
            className="pointer-events-none absolute inset-0 bg-[radial-gradient(40rem_20rem_at_50%_-20%,var(--color-accent-600),transparent_70%)] opacity-70"
          />
          <div className="relative">
            <h2 id="cta-title" className="text-3xl font-semibold tracking-tight text-balance text-white sm:text-4xl">
              Put your own GPU to work
            </h2>
            <p className="mx-auto mt-4 max-w-xl text-[17px] leading-8 text-accent-100">
              Create a workspace, connect Slack, enroll the PC under your desk. Your first task can run this afternoon.
            </p>
            <div className="mt-9 flex flex-wrap justify-center gap-3">
              {/* Inverse colours on the dark band; `!` because class order does not pick the winning utility. */}
              <Button
                href="/signin"
                size="lg"
                className="bg-white! text-accent-900! hover:bg-accent-50! active:bg-accent-100!"
                trailingIcon={<IconArrowRight size={18} />}
              >
                Get started
              </Button>
              <Button href="/signin" size="lg" variant="ghost" className="text-white! ring-1 ring-white/25 hover:bg-white/10!">
                Sign in
              </Button>
            </div>
          </div>
        </div>
      </div>
    </section>
  );
}
