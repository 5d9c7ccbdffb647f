import { IconCheck } from "@/app/_components/ui";
import { SectionHeading } from "./section-heading";

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
    body: "The job's own input and nothing else: never your workspace secrets, provider keys or another tenant's data.",
  },
  {
    title: "Commands run in a throwaway sandbox",
    body: "Read-only system, no network unless the step needs it, no inherited environment, and CPU, memory and time limits.",
  },
];

export function Runners() {
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
